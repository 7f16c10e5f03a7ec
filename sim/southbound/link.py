"""Where the network is and how to log in: ``omsim serve --southbound URL``.

The URL is the HTTP side of ``omsim emulate`` (``http://127.0.0.1:8080``): RESTCONF,
the NetBox-compatible IPAM, the TMF646 appointments and discovery all live under it.
RESTCONF and the appointments log in with HTTP basic auth (the emulator's ``--user`` and
``--password``), the IPAM with ``Authorization: Token`` (its ``--token``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from om import OmsimError

MIN_REQUEST_S = 2.0  # wall seconds one request waits at least before it is a timeout
MAX_REQUEST_S = 60.0  # and at most


class LinkError(OmsimError):
    """The southbound link cannot be used: a bad URL, a missing secret, an emulator that
    does not answer, refuses the logins or runs another network. ``parameter`` names the
    setting (``southbound``, ``southbound_password``, ...) as :class:`ServeError` does."""

    def __init__(self, parameter: str, rest: str) -> None:
        super().__init__(parameter, rest)
        self.parameter, self.rest = parameter, rest

    def __str__(self) -> str:
        return f"{self.parameter}{self.rest}"


@dataclass(frozen=True)
class Link:
    """The emulator's base URL and the logins; ``speed`` is the order manager's clock
    (simulated seconds per wall second), which both sides should share."""

    url: str
    user: str
    password: str
    token: str
    speed: float

    def __post_init__(self) -> None:
        try:
            parts = urlsplit(self.url)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            raise LinkError("southbound", f": not a URL ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise LinkError("southbound", f": an http(s) URL of omsim emulate's HTTP side, "
                                          f"e.g. http://127.0.0.1:8080; got {self.url!r}")
        if parts.query or parts.fragment:
            raise LinkError("southbound", ": a base URL, without query or fragment")
        for name, secret in (("southbound_user", self.user),
                             ("southbound_password", self.password),
                             ("southbound_token", self.token)):
            if not secret:
                raise LinkError(name, ": required to log in to the emulator (the "
                                      "environment variable or the option)")
        if not (math.isfinite(self.speed) and self.speed > 0):
            raise LinkError("speed", f": must be above 0, got {self.speed}")

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    def request_timeout_s(self, timeout_s: float) -> float:
        """Wall seconds to wait for one answer when the order manager gives up after
        ``timeout_s`` simulated seconds: well past it (the order manager decides the
        timeout, on its own clock), and a few seconds at least, as the wire needs."""
        if not math.isfinite(timeout_s):
            return MAX_REQUEST_S
        return min(MAX_REQUEST_S, max(MIN_REQUEST_S, 3 * timeout_s / self.speed))
