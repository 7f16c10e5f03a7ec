"""A hub listener: a small FastAPI app, served by uvicorn inside its owner's asyncio loop
(``omsim drive``'s, or the partner gateway's), that takes a TMF622 endpoint's
notifications.

It answers 204 to any POST under its root (a TMF hub posts either to the callback
itself or to ``<callback>/listener/<eventName>``) and hands each body to
``on_event(body, received)``; a body that is not JSON is answered 400 and counted as
malformed. It binds loopback by default; the socket is bound before any traffic, so a
bad ``--listen`` is an error line, not a surprise mid-run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

from om import OmsimError

PATH = "/omsim-drive/events"


class ListenError(OmsimError):
    """``--listen`` names an address this machine cannot listen on."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0: any free port); ListenError if not
    (a host of no address here, a port in use)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=1024)
    except (OSError, UnicodeError, OverflowError) as exc:
        # create_server adds "(while attempting to bind on address ...)": said already.
        why = str(getattr(exc, "strerror", None) or exc).split(" (while attempting")[0]
        raise ListenError(f"--listen {host}:{port}: cannot listen ({why})") from None


def listener_app(on_event: Callable[[Any, float], None], on_malformed: Callable[[], None]
                 ) -> FastAPI:
    """The app: every POST is a notification."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/{path:path}")
    async def notification(path: str, request: Request) -> Response:
        received = time.time()
        try:
            body = json.loads(await request.body())
        except ValueError:
            on_malformed()
            return Response(status_code=400)
        on_event(body, received)
        return Response(status_code=204)

    return app


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl-C belongs to the command (drive
    unregisters from the hub before it stops; serve stops its own server)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Listener:
    """The notification endpoint on a bound socket, started and stopped in the loop."""

    def __init__(self, sock: socket.socket, app: FastAPI, callback: str = "") -> None:
        self.sock = sock
        host, port = sock.getsockname()[:2]
        where = f"[{host}]" if ":" in host else host
        self.callback = callback or f"http://{where}:{port}{PATH}"
        self._server = _Server(uvicorn.Config(app, log_level="error", access_log=False,
                                              lifespan="off"))
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self.sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise ListenError("the notification listener stopped at once")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 5.0)
        self.sock.close()
