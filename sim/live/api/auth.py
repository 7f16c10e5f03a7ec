"""API-key authentication, as middleware: with a key set, every request needs it in
``X-API-Key`` (or ``Authorization: Bearer``), the OpenAPI document and ``/docs``
included: the map of the API is no more public than the API."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request

from sim.live.api.errors import error_response


def install(app: FastAPI, api_key: str | None) -> None:
    """Refuse (401) every request to ``app`` without ``api_key``; None: no key needed."""
    if not api_key:
        return
    expected = api_key.encode()

    @app.middleware("http")
    async def _api_key(request: Request, call_next: Callable[[Request], Awaitable[Any]]
                       ) -> Any:
        given = request.headers.get("x-api-key", "")
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            given = given or bearer[7:]
        if not hmac.compare_digest(given.encode(), expected):
            return error_response(401, "missing or wrong API key (X-API-Key header)")
        return await call_next(request)
