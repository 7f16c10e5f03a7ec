"""What a drive run is told: the target, the pace, where to listen, how long to wait,
checked before anything is sent (each error names its option and the reason)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from om.errors import UsageError
from sim.drive.poller import PollPolicy
from sim.tmf622.check import key_problem
from sim.tmf622.target import RetryPolicy

MAX_SPEED = 1_000_000.0  # a simulated year in about 32 wall seconds
MAX_DRAIN_S = 7 * 86400.0
_WILDCARD = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class DriveOptions:
    """One drive: ``target`` is the TMF622 base path
    (``http://host:port/tmf-api/productOrderingManagement/v4``); ``speed`` scenario
    seconds per wall second; ``listen`` the notification listener's ``HOST:PORT``
    (port 0: any free one) and ``callback`` the URL the target should post to, when the
    listener's own address is not it; ``drain_timeout_s`` how long (wall) to wait for
    open orders after the traffic window."""

    target: str
    speed: float = 1.0
    listen: str = "127.0.0.1:0"
    callback: str = ""
    api_key: str | None = None
    drain_timeout_s: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll: PollPolicy = field(default_factory=PollPolicy)
    writes: int = 64  # POST, cancel and PATCH requests in flight at once

    def check(self) -> None:
        """UsageError naming the option, unless every option is in range."""
        scheme = urlsplit(self.target).scheme
        if scheme not in ("http", "https") or not urlsplit(self.target).hostname:
            raise UsageError(f"--target {self.target!r}: expected an http(s) URL such as "
                             f"http://127.0.0.1:8622/tmf-api/productOrderingManagement/v4")
        if not (math.isfinite(self.speed) and 0 < self.speed <= MAX_SPEED):
            raise UsageError(f"--speed {self.speed:g}: must be above 0 and at most "
                             f"{MAX_SPEED:,.0f}")
        if not (math.isfinite(self.drain_timeout_s) and 0 <= self.drain_timeout_s
                <= MAX_DRAIN_S):
            raise UsageError(f"--drain-timeout {self.drain_timeout_s:g}: must be from 0 to "
                             f"{MAX_DRAIN_S:,.0f} seconds")
        host, _ = self.listen_address()
        if host in _WILDCARD and not self.callback:
            raise UsageError(f"--listen {self.listen}: listening on every address, the "
                             f"target needs to be told where to post: give --callback URL")
        if self.callback and urlsplit(self.callback).scheme not in ("http", "https"):
            raise UsageError(f"--callback {self.callback!r}: expected an http(s) URL")
        problem = key_problem(self.api_key)
        if problem:
            raise UsageError(f"--api-key: {problem}")

    def listen_address(self) -> tuple[str, int]:
        """``--listen`` as (host, port): ``HOST:PORT``, ``[IPv6]:PORT`` or ``PORT``."""
        text = self.listen.strip()
        host, sep, port = text.rpartition(":")
        if not sep:
            host, port = "127.0.0.1", text
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        if not port.isdigit() or not 0 <= int(port) <= 65535:
            raise UsageError(f"--listen {self.listen!r}: expected HOST:PORT with a port "
                             f"from 0 to 65535 (0: any free port)")
        return host, int(port)
