"""TMF646 notifications: listeners registered with ``POST /hub`` and the tasks that POST
each event to them, on the emulator's asyncio loop.

An event is TMF's envelope (``eventId``, ``eventTime`` - on the emulator's calendar -,
``eventType``, ``event: {"appointment": {...}}``), sent to every listener whose query
wants its type (``eventType=AppointmentStateChangeEvent,AppointmentCreateEvent``; no
query: all). Delivery is best effort and never holds the clock: each listener has a
bounded queue (the oldest event dropped and counted when it is full) and its own task; a
failed POST is counted, not retried.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

MAX_LISTENERS = 100
MAX_CALLBACK = 2048  # characters
QUEUE_EVENTS = 1000  # per listener
TIMEOUT_S = 2.0  # wall seconds one POST may take


def callback_problem(callback: Any) -> str | None:
    """Why ``callback`` cannot be registered, or None."""
    if not isinstance(callback, str) or not callback:
        return "callback: the URL events are POSTed to is required"
    if len(callback) > MAX_CALLBACK:
        return f"callback: more than {MAX_CALLBACK} characters"
    try:
        parts = urlsplit(callback)
        parts.port  # noqa: B018 - raises ValueError for a bad port
        httpx.URL(callback)
    except (ValueError, httpx.InvalidURL) as exc:
        return f"callback: not a URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "callback: an http or https URL with a host"
    return None


@dataclass(eq=False)
class Listener:
    """One registration (TMF EventSubscription) and its delivery figures."""

    id: str
    callback: str
    query: str
    events: deque[dict[str, Any]] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    delivered: int = 0
    failed: int = 0
    dropped: int = 0

    def wants(self, event_type: str) -> bool:
        types = {t.strip() for v in parse_qs(self.query).get("eventType", ())
                 for t in v.split(",")}
        return not types or event_type in types

    def json(self) -> dict[str, str]:
        return {"id": self.id, "callback": self.callback, "query": self.query}


class Hub:
    """Listeners by id; :meth:`publish` from the loop's thread (the clock's)."""

    def __init__(self) -> None:
        self.listeners: dict[str, Listener] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._next = 1

    def add(self, callback: str, query: str) -> Listener:
        """Register a listener (call inside the running loop)."""
        listener = Listener(str(self._next), callback, query)
        self._next += 1
        self.listeners[listener.id] = listener
        self._tasks[listener.id] = asyncio.get_running_loop().create_task(
            self._deliver(listener), name=f"omsim-tmf646-hub-{listener.id}")
        return listener

    def remove(self, listener_id: str) -> bool:
        listener = self.listeners.pop(listener_id, None)
        task = self._tasks.pop(listener_id, None)
        if task is not None:
            task.cancel()
        return listener is not None

    def publish(self, envelope: dict[str, Any]) -> None:
        """Queue an event envelope for every listener that wants its type."""
        for listener in self.listeners.values():
            if listener.wants(envelope["eventType"]):
                if len(listener.events) >= QUEUE_EVENTS:
                    listener.events.popleft()
                    listener.dropped += 1
                listener.events.append(envelope)
                listener.wake.set()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for listener_id in list(self.listeners):
            self.remove(listener_id)
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(self, listener: Listener) -> None:
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
            while True:
                while not listener.events:
                    listener.wake.clear()
                    await listener.wake.wait()
                envelope = listener.events.popleft()
                try:
                    answer = await client.post(listener.callback, json=envelope)
                    answer.raise_for_status()
                    listener.delivered += 1
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - any failure is this listener's alone
                    listener.failed += 1
