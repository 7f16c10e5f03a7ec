"""API-key authentication, as middleware: with a key set, every request needs it in
``X-API-Key`` (or ``Authorization: Bearer``), the OpenAPI document, ``/docs``,
``/metrics`` and the dashboard included: the map of the API is no more public than the
API.

A browser cannot send a header with every request of a page (an EventSource never
does), so the dashboard asks for the key once (``POST /omsim/ui/login``, the one path
open without it) and gets a cookie holding an HMAC of it, never the key itself
(HttpOnly, SameSite=Strict: another site's page cannot use it; :mod:`sim.dashboard.login`,
which ``omsim emulate``'s dashboard shares). A page request without the key gets that
login form (401) instead of an Error body.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request

from sim.dashboard.login import cookie_token, key_matches
from sim.live.api.errors import error_response

COOKIE = "omsim_ui"
LOGIN_PATH = "/omsim/ui/login"
PAGES = ("/", "/omsim/ui")
__all__ = ["COOKIE", "cookie_token", "install", "key_matches"]


def install(app: FastAPI, api_key: str | None,
            login_page: Callable[[], Any] | None = None) -> None:
    """Refuse (401) every request to ``app`` without ``api_key``; None: no key needed.
    ``login_page()`` is the answer to a page request without it."""
    if not api_key:
        return
    expected = api_key.encode()
    token = cookie_token(api_key).encode()

    @app.middleware("http")
    async def _api_key(request: Request, call_next: Callable[[Request], Awaitable[Any]]
                       ) -> Any:
        if request.url.path == LOGIN_PATH:  # it checks the key it is given itself
            return await call_next(request)
        given = request.headers.get("x-api-key", "")
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            given = given or bearer[7:]
        if hmac.compare_digest(given.encode(), expected) or hmac.compare_digest(
                request.cookies.get(COOKIE, "").encode(), token):
            return await call_next(request)
        if login_page is not None and request.method == "GET" and request.url.path in PAGES:
            return login_page()
        return error_response(401, "missing or wrong API key (X-API-Key header)")
