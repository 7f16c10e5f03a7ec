"""A TMF622 v4 productOrderingManagement endpoint over HTTP (httpx, async), and what the
wire did: the order manager under test as ``omsim drive`` talks to it, and a wholesale
partner as the partner gateway of ``omsim serve --partner`` does.

Every request is timed from its first attempt to its final answer and every answer
other than success is counted by its status (``"503"``) or by what went wrong without
one (``"connect"``: refused or unreachable; ``"dropped"``: the connection closed
without a whole answer; ``"timeout"``; ``"not_json"``: a success whose body is not
JSON).

Retries. An answer that may be transient (a dropped connection, a timeout, 429, 500,
502, 503, 504) is retried with a short exponential backoff, but a POST only when it
carries an ``Idempotency-Key``: the target may have applied the first attempt, and the
key makes it answer with what that attempt created instead of creating it twice. A
PATCH (a merge patch) and a GET are safe to repeat as they are.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

IDEMPOTENCY_KEY = "Idempotency-Key"
TRANSIENT = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Answer:
    """The final answer to one request: ``status`` 0 when there was no HTTP answer at
    all (``problem`` says why), ``doc`` the JSON body when there was one."""

    status: int
    doc: Any = None
    problem: str = ""
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and not self.problem


@dataclass
class WireStats:
    """What the wire did, per operation (``post``, ``cancel``, ``patch``, ``get``,
    ``hub``)."""

    latency_ms: dict[str, list[float]] = field(default_factory=dict)  # answered requests
    attempts: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    gave_up: Counter[str] = field(default_factory=Counter)  # no answer after every attempt
    errors: Counter[str] = field(default_factory=Counter)  # status or problem -> attempts


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts per request, the wait before the second (doubling after), and how long
    one attempt may take (wall seconds)."""

    attempts: int = 4
    backoff_s: float = 0.1
    timeout_s: float = 10.0


class Target:
    """A TMF622 endpoint at ``base_url`` (``.../productOrderingManagement/v4``)."""

    def __init__(self, base_url: str, api_key: str | None = None,
                 retry: RetryPolicy | None = None, connections: int = 64) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.stats = WireStats()
        headers = {"Accept": "application/json"}
        if api_key:
            headers["X-API-Key"] = api_key
        self.http = httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=self.retry.timeout_s,
            limits=httpx.Limits(max_connections=connections,
                                max_keepalive_connections=connections))

    async def close(self) -> None:
        await self.http.aclose()

    def href(self, collection: str, order_id: str) -> str:
        return f"{self.base_url}/{collection}/{order_id}"

    # -- TMF622 -----------------------------------------------------------------------
    async def create_order(self, body: dict[str, Any], key: str) -> Answer:
        return await self.send("post", "POST", "/productOrder", body, key)

    async def cancel_order(self, body: dict[str, Any], key: str) -> Answer:
        return await self.send("cancel", "POST", "/cancelProductOrder", body, key)

    async def patch_order(self, order_id: str, body: dict[str, Any]) -> Answer:
        return await self.send("patch", "PATCH", f"/productOrder/{order_id}", body,
                               content_type="application/merge-patch+json")

    async def get_order(self, order_id: str) -> Answer:
        return await self.send("get", "GET", f"/productOrder/{order_id}", attempts=1)

    async def list_orders(self, limit: int = 1) -> Answer:
        return await self.send("get", "GET", "/productOrder", params={"limit": limit},
                               attempts=1)

    async def register(self, callback: str) -> Answer:
        return await self.send("hub", "POST", "/hub", {"callback": callback}, attempts=1)

    async def unregister(self, listener_id: str) -> Answer:
        return await self.send("hub", "DELETE", f"/hub/{listener_id}", attempts=2)

    # -- one request, with its retries ---------------------------------------------------
    async def send(self, op: str, method: str, path: str, body: Any = None, key: str = "",
                   *, params: dict[str, Any] | None = None, content_type: str = "",
                   attempts: int | None = None) -> Answer:
        """``method path`` with ``body`` as JSON; retried when transient (a POST only
        with ``key``); the final answer."""
        headers = {IDEMPOTENCY_KEY: key} if key else {}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
        content = json.dumps(body).encode() if body is not None else None
        tries = attempts or (self.retry.attempts if key or method != "POST" else 1)
        started = time.monotonic()
        answer = Answer(0, problem="not sent")
        for attempt in range(tries):
            if attempt:
                self.stats.retries[op] += 1
                await asyncio.sleep(self.retry.backoff_s * 2 ** (attempt - 1))
            self.stats.attempts[op] += 1
            answer = await self._once(method, path, content, headers, params)
            if answer.problem or answer.status >= 400:
                self.stats.errors[answer.problem or str(answer.status)] += 1
            if not _transient(answer):
                break
        if answer.status and not (answer.status >= 500 or answer.problem):
            self.stats.latency_ms.setdefault(op, []).append(
                (time.monotonic() - started) * 1000.0)
        elif _transient(answer):
            self.stats.gave_up[op] += 1
        return answer

    async def _once(self, method: str, path: str, content: bytes | None,
                    headers: dict[str, str], params: dict[str, Any] | None) -> Answer:
        try:
            response = await self.http.request(method, path, content=content,
                                               headers=headers, params=params)
        except httpx.TimeoutException as exc:
            kind = "connect" if isinstance(exc, httpx.ConnectTimeout) else "timeout"
            return Answer(0, problem=kind)
        except httpx.ConnectError:
            return Answer(0, problem="connect")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            return Answer(0, problem="dropped")
        kind = response.headers.get("content-type", "")
        if not response.content:
            return Answer(response.status_code, content_type=kind)
        try:
            doc = response.json()
        except ValueError:
            problem = "not_json" if response.is_success else ""
            return Answer(response.status_code, None, problem, kind)
        return Answer(response.status_code, doc, content_type=kind)


def _transient(answer: Answer) -> bool:
    return answer.problem in ("connect", "dropped", "timeout") or answer.status in TRANSIENT
