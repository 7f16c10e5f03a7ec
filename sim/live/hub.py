"""The TMF622 notification hub: registered listeners and the threads that call them.

A listener registers a callback URL (``POST /hub``) and an optional query
(``eventType=ProductOrderStateChangeEvent,ProductOrderCreateEvent``). Each event is POSTed
to every matching callback in the TMF event envelope (``eventId``, ``eventTime``,
``eventType``, ``event``). Delivery is best effort: a failed POST is counted, not retried.

Each listener has its own bounded queue (:data:`QUEUE_EVENTS`, the oldest event dropped
and counted when it is full) and its own delivery thread, so a listener that is slow,
unreachable or broken costs only itself: the clock never waits, memory stays bounded, and
any exception while delivering is counted against that listener. A delivery thread that
dies anyway (a bug) is reported through ``on_failure``.

Callbacks are checked at registration (:func:`callback_problem`): at most
:data:`MAX_CALLBACK_CHARS` characters, http(s) with a host, and loopback unless remote
ones are allowed explicitly.
"""

from __future__ import annotations

import functools
import threading
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_CALLBACK_CHARS = 2048
MAX_LISTENERS = 100  # one delivery thread each
QUEUE_EVENTS = 1000  # per listener


@dataclass(frozen=True, slots=True)
class Listener:
    """One registration (TMF EventSubscription)."""

    id: str
    callback: str
    query: str

    def wants(self, event_type: str) -> bool:
        types = _event_types(self.query)
        return not types or event_type in types


@functools.lru_cache(maxsize=256)
def _event_types(query: str) -> frozenset[str]:
    types = parse_qs(query).get("eventType") or ()
    return frozenset(t.strip() for v in types for t in v.split(","))


def callback_problem(callback: str, allow_remote: bool) -> str | None:
    """Why ``callback`` cannot be registered, or None."""
    if len(callback) > MAX_CALLBACK_CHARS:
        return (f"callback: {len(callback):,} characters, more than the limit of "
                f"{MAX_CALLBACK_CHARS:,}")
    try:
        parts = urlsplit(callback)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
        httpx.URL(callback)  # what delivery will use must accept it too
    except (ValueError, httpx.InvalidURL) as exc:
        return f"callback: not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"callback: must be an http or https URL, not '{parts.scheme}'"
    if not host:
        return "callback: the URL has no host"
    if not allow_remote and host not in LOOPBACK_HOSTS:
        return f"callback: only loopback callbacks are allowed, not '{host}'"
    return None


class Outbox:
    """One listener's queue of envelopes and the thread that POSTs them, oldest first."""

    def __init__(self, listener: Listener, capacity: int, timeout_s: float,
                 on_failure: Callable[[str], None]) -> None:
        self.listener = listener
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self.last_error = ""
        self._capacity = capacity
        self._timeout_s = timeout_s
        self._on_failure = on_failure
        self._events: deque[dict[str, Any]] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._deliver, daemon=True,
                                        name=f"omsim-hub-{listener.id}")
        self._thread.start()

    @property
    def queued(self) -> int:
        return len(self._events)

    @property
    def alive(self) -> bool:
        return self._closed or self._thread.is_alive()

    def put(self, envelope: dict[str, Any]) -> None:
        with self._ready:
            if len(self._events) >= self._capacity:
                self._events.popleft()
                self.dropped += 1
            self._events.append(envelope)
            self._ready.notify()

    def close(self, wait_s: float = 0.0) -> None:
        """Stop after the delivery in progress; what is still queued is dropped."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        if wait_s:
            self._thread.join(wait_s)

    def stats(self) -> dict[str, Any]:
        return {"id": self.listener.id, "queued": self.queued, "delivered": self.delivered,
                "failed": self.failed, "dropped": self.dropped, "lastError": self.last_error}

    def _deliver(self) -> None:
        try:
            with httpx.Client(timeout=self._timeout_s) as client:
                while (envelope := self._next()) is not None:
                    try:
                        client.post(self.listener.callback, json=envelope).raise_for_status()
                        self.delivered += 1
                    except Exception as exc:  # noqa: BLE001 - any failure is this listener's
                        self.failed += 1
                        self.last_error = f"{type(exc).__name__}: {exc}"[:300]
        except BaseException as exc:  # a bug: say so rather than go quiet
            traceback.print_exc()
            self._on_failure(f"hub delivery thread of {self.listener.id}: "
                             f"{type(exc).__name__}: {exc}")

    def _next(self) -> dict[str, Any] | None:
        with self._ready:
            while not self._events and not self._closed:
                self._ready.wait()
            return None if self._closed else self._events.popleft()


class Hub:
    """Listeners by id, each with its :class:`Outbox`."""

    def __init__(self, timeout_s: float = 2.0, queue_events: int = QUEUE_EVENTS,
                 on_failure: Callable[[str], None] | None = None) -> None:
        self.listeners: dict[str, Listener] = {}
        self.on_failure = on_failure or (lambda reason: None)
        self._timeout_s = timeout_s
        self._queue_events = queue_events
        self._outboxes: dict[str, Outbox] = {}
        self._removed = {"delivered": 0, "failed": 0, "dropped": 0}  # of gone listeners

    def add(self, listener: Listener) -> None:
        self.remove(listener.id)
        self.listeners[listener.id] = listener
        self._outboxes[listener.id] = Outbox(listener, self._queue_events, self._timeout_s,
                                             lambda reason: self.on_failure(reason))

    def remove(self, listener_id: str) -> None:
        self.listeners.pop(listener_id, None)
        outbox = self._outboxes.pop(listener_id, None)
        if outbox is not None:
            outbox.close()
            for key in self._removed:
                self._removed[key] += getattr(outbox, key)

    def publish(self, event_type: str, resource: str, body: dict[str, Any]) -> None:
        """Queue ``body`` (a TMF resource named ``resource``) for every matching listener."""
        targets = [o for o in self._outboxes.values() if o.listener.wants(event_type)]
        if not targets:
            return
        envelope = {
            "eventId": uuid.uuid4().hex,
            "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds")
                                       .replace("+00:00", "Z"),
            "eventType": event_type,
            "event": {resource: body},
        }
        for outbox in targets:
            outbox.put(envelope)

    def dead(self) -> list[str]:
        """Listeners whose delivery thread is gone although nobody closed it."""
        return [i for i, o in list(self._outboxes.items()) if not o.alive]

    def stats(self) -> dict[str, Any]:
        """Totals and per-listener counts, for ``/omsim/status``."""
        outboxes = [o.stats() for o in list(self._outboxes.values())]
        totals = {key: base + sum(o[key] for o in outboxes)
                  for key, base in self._removed.items()}
        return {"listeners": len(outboxes), **totals,
                "queued": sum(o["queued"] for o in outboxes), "byListener": outboxes}

    def close(self) -> None:
        outboxes = list(self._outboxes.values())
        for outbox in outboxes:
            outbox.close()
        for outbox in outboxes:
            outbox.close(wait_s=2.0 / max(1, len(outboxes)))
