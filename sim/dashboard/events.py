"""A dashboard's event stream (server-sent events): the server's state once every
``every_s`` wall seconds, each with the history samples the page has not seen yet (its
``seq`` says how far it got), until the client goes or ``last`` says the state is the
last one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

State = Callable[[int], dict[str, Any]]  # the state now, with the samples after seq


def event_stream(request: Request, state: State, every_s: float = 1.0,
                 last: Callable[[dict[str, Any]], bool] = lambda s: False
                 ) -> StreamingResponse:
    """``text/event-stream`` of ``state`` (``event: state``), unbuffered by proxies."""
    return StreamingResponse(_events(request, state, every_s, last),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _events(request: Request, state: State, every_s: float,
                  last: Callable[[dict[str, Any]], bool]) -> AsyncIterator[str]:
    seq = 0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        now = state(seq)
        seq = now["seq"]
        yield f"event: state\ndata: {json.dumps(now, separators=(',', ':'))}\n\n"
        if last(now):
            return
        await asyncio.sleep(every_s)
