"""The dashboards' login: a browser cannot send a header with every request of a page
(an EventSource never does), so a dashboard asks for its server's secret once (a form
posted to ``/omsim/ui/login``) and keeps a cookie holding an HMAC of it, never the
secret itself: HttpOnly (no script reads it), SameSite=Strict (another site's page
cannot use it). Secrets are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import RedirectResponse

from sim.dashboard.shell import PAGE


def key_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is ``expected`` (constant time)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def cookie_token(secret: str) -> str:
    """What a dashboard's cookie holds for ``secret``."""
    return hmac.new(secret.encode(), b"omsim dashboard", hashlib.sha256).hexdigest()


def has_cookie(request: Request, cookie: str, token: str) -> bool:
    """Whether ``request`` carries the cookie ``cookie`` holding ``token``."""
    return key_matches(request.cookies.get(cookie, ""), token)


async def form(request: Request) -> dict[str, str]:
    """The fields of a posted form (the first value of each)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {name: values[0] for name, values in fields.items()}


def logged_in(cookie: str, token: str | None) -> RedirectResponse:
    """To the page (303), with the cookie ``cookie`` holding ``token`` (None: no
    cookie, as when the server needs no secret)."""
    answer = RedirectResponse(PAGE, status_code=303)
    if token is not None:
        answer.set_cookie(cookie, token, httponly=True, samesite="strict", path="/")
    return answer
