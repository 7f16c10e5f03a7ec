"""A configurable network element: the base of the emulated OLT, BNG, DHCP server and
central platforms.

An element is a SimPy resource of ``max_parallel_edits`` NETCONF sessions. Each request
waits for a session, takes a sampled configuration latency, and may fail with the
element's error rate. The element remembers which resources it has configured, so it can
refuse one that is already in use (the network's truth can drift from the inventory).
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import simpy

from om import FalloutCause, ResourceOrderItem, SouthboundError
from sim.scenario import ElementSettings


class Element:
    """One emulated element instance, configured by its kind's :class:`ElementSettings`."""

    kind = "platform"

    def __init__(self, env: simpy.Environment, name: str, settings: ElementSettings,
                 rng: random.Random) -> None:
        self.env = env
        self.name = name
        self.settings = settings
        self._rng = rng
        self._latency = settings.latency_s.sampler(rng)
        self._error_rate = settings.error_rate
        self._sessions = simpy.Resource(env, capacity=settings.max_parallel_edits)
        self.configured: set[tuple[str, int]] = set()  # (pool, slot) the element holds
        self.requests = 0
        self.errors = 0

    @property
    def busy_sessions(self) -> int:
        return self._sessions.count

    def activate(self, item: ResourceOrderItem) -> simpy.Event:
        return self.env.process(self._activate(item))

    def deactivate(self, item: ResourceOrderItem) -> simpy.Event:
        return self.env.process(self._deactivate(item))

    def _edit(self) -> Generator[simpy.Event, Any, None]:
        """Hold one NETCONF session for one configuration latency."""
        with self._sessions.request() as session:
            yield session
            yield self.env.timeout(self._latency())
        self.requests += 1

    def _activate(self, item: ResourceOrderItem) -> Generator[simpy.Event, Any, None]:
        yield from self._edit()
        if self._error_rate and self._rng.random() < self._error_rate:
            self.errors += 1
            raise SouthboundError(item.key, FalloutCause.ELEMENT_ERROR, self.name,
                                  "edit-config rejected")
        keys = [(r.pool.name, r.slot) for r in item.reservations]
        clash = [k for k in keys if k in self.configured]
        if clash:
            raise SouthboundError(item.key, FalloutCause.INVENTORY_MISMATCH, self.name,
                                  f"{clash[0][0]} slot {clash[0][1]} already in use")
        self.configured.update(keys)

    def _deactivate(self, item: ResourceOrderItem) -> Generator[simpy.Event, Any, None]:
        yield from self._edit()
        self.configured.difference_update((r.pool.name, r.slot) for r in item.reservations)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
