"""The TMF622 notification hub: registered listeners and the thread that calls them.

A listener registers a callback URL (``POST /hub``) and an optional query
(``eventType=ProductOrderStateChangeEvent,ProductOrderCreateEvent``). Each event is POSTed
to every matching callback in the TMF event envelope (``eventId``, ``eventTime``,
``eventType``, ``event``) from one background thread, so a slow listener never holds up
the simulation clock. Delivery is best effort: a failed POST is counted, not retried.
Callbacks must be loopback addresses unless remote ones are allowed explicitly.
"""

from __future__ import annotations

import queue
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True)
class Listener:
    """One registration (TMF EventSubscription)."""

    id: str
    callback: str
    query: str

    def wants(self, event_type: str) -> bool:
        types = parse_qs(self.query).get("eventType")
        if not types:
            return True
        return event_type in {t.strip() for v in types for t in v.split(",")}


def callback_problem(callback: str, allow_remote: bool) -> str | None:
    """Why ``callback`` cannot be registered, or None."""
    try:
        parts = urlsplit(callback)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"callback: not a URL ({exc})"
    if parts.scheme not in ("http", "https") or not host:
        return "callback: must be an http(s) URL with a host"
    if not allow_remote and host not in LOOPBACK_HOSTS:
        return f"callback: only loopback callbacks are allowed, not '{host}'"
    return None


class Hub:
    """Listeners by id, and a delivery thread started on first use."""

    def __init__(self, timeout_s: float = 2.0) -> None:
        self.listeners: dict[str, Listener] = {}
        self.delivered = 0
        self.failed = 0
        self._timeout_s = timeout_s
        self._queue: queue.SimpleQueue[tuple[Listener, dict[str, Any]] | None] = (
            queue.SimpleQueue())
        self._thread: threading.Thread | None = None

    def add(self, listener: Listener) -> None:
        self.listeners[listener.id] = listener

    def remove(self, listener_id: str) -> None:
        self.listeners.pop(listener_id, None)

    def publish(self, event_type: str, resource: str, body: dict[str, Any]) -> None:
        """Queue ``body`` (a TMF resource named ``resource``) for every matching listener."""
        targets = [x for x in self.listeners.values() if x.wants(event_type)]
        if not targets:
            return
        envelope = {
            "eventId": uuid.uuid4().hex,
            "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds")
                                       .replace("+00:00", "Z"),
            "eventType": event_type,
            "event": {resource: body},
        }
        if self._thread is None:
            self._thread = threading.Thread(target=self._deliver, name="omsim-hub",
                                            daemon=True)
            self._thread.start()
        for listener in targets:
            self._queue.put((listener, envelope))

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)

    def _deliver(self) -> None:
        with httpx.Client(timeout=self._timeout_s) as client:
            while (job := self._queue.get()) is not None:
                listener, envelope = job
                try:
                    client.post(listener.callback, json=envelope).raise_for_status()
                    self.delivered += 1
                except httpx.HTTPError:
                    self.failed += 1
