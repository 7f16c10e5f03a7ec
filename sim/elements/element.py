"""A configurable network element: the base of the emulated OLT, BNG, DHCP server and
central platforms.

An element has ``max_parallel_edits`` NETCONF sessions. Each request
waits for a session, takes a sampled configuration latency, and may fail with the
element's error rate for that operation. The element remembers which resources it has
configured and for whom, so activation is idempotent (a retry after a lost answer
configures nothing twice) and a resource already used by someone else is refused
(the network's truth can drift from the inventory).

Faults act on the element through its own methods (:mod:`sim.run.inject` calls them):
it can be down for a window (requests fail as unreachable after a connect timeout), lose
or delay answers, refuse a share of one operation, or find slots already used by
something the inventory does not know about (drift).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Generator, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import simpy

from om import Action, FalloutCause, ResourceOrderItem, SouthboundError
from om.southbound import Activated
from sim.scenario.schema import ElementSettings

CONNECT_TIMEOUT_S = 10.0  # how long a request to an unreachable element takes to fail
DRIFT = "drift"  # the owner of a slot the network uses without the inventory knowing


class Element:
    """One emulated element instance, configured by its kind's :class:`ElementSettings`."""

    def __init__(self, env: simpy.Environment, name: str, settings: ElementSettings,
                 rng: random.Random) -> None:
        self.env = env
        self.name = name
        self.settings = settings
        self._rng = rng
        self._latency = settings.latency_s.sampler(rng)
        self._configured_error_rates = {"activate": settings.error_rate,
                                        **settings.operation_error_rates}
        self._error_rates = dict(self._configured_error_rates)
        # NETCONF sessions: a count while one is free, a queue of waiting requests when
        # none is. Not a simpy.Resource: that costs a request and a release event per
        # edit even when a session is free (two of an order's ~40 events per item).
        self._sessions_free = settings.max_parallel_edits
        self._session_queue: deque[simpy.Event] = deque()
        self._configured: dict[tuple[str, int], str] = {}  # (pool, slot) -> owner item key
        self._down = False  # an outage fault
        self._lost_answer_rate = settings.lost_answer_rate
        self._late_answer_s = settings.late_answer_s
        self.requests = 0
        self.errors = 0

    # -- what faults change ------------------------------------------------------------
    def set_down(self, down: bool) -> None:
        """Down: every request fails as unreachable after the connect timeout."""
        self._down = down

    def set_lost_answer_rate(self, rate: float | None = None) -> None:
        """Lose (answer past any timeout) this share of activations from now on; None:
        back to the rate the element is configured with."""
        self._lost_answer_rate = self.settings.lost_answer_rate if rate is None else rate

    def set_error_rate(self, operation: str, rate: float | None = None) -> None:
        """Refuse this share of ``operation`` requests (``activate``, ``modify``,
        ``deactivate``) from now on; None: back to the configured rate."""
        self._error_rates[operation] = (self._configured_error_rates.get(operation, 0.0)
                                        if rate is None else rate)

    def drift(self, pool: str, slots: Iterable[int]) -> None:
        """The network already uses ``slots`` of ``pool`` here, unknown to the inventory
        (inventory drift): activating one of them fails as an inventory mismatch."""
        for slot in slots:
            self._configured.setdefault((pool, slot), DRIFT)

    # -- how it behaves now, and what it holds ------------------------------------------
    @property
    def down(self) -> bool:
        return self._down

    @property
    def lost_answer_rate(self) -> float:
        return self._lost_answer_rate

    def error_rate(self, operation: str) -> float:
        """The share of ``operation`` requests refused now."""
        return self._error_rates.get(operation, 0.0)

    @property
    def configured(self) -> Mapping[tuple[str, int], str]:
        """(pool, slot) -> the item key that configured it (:data:`DRIFT` for drift)."""
        return MappingProxyType(self._configured)

    def reachable(self) -> bool:
        return not self._down

    @property
    def late_answer_s(self) -> float:
        """How long a lost answer takes (simulated seconds): past any sane timeout."""
        return self._late_answer_s

    # -- how it answers one request: each draws from the element's own stream, in this
    # -- order (an emulator on the wire draws through them too, so both answer alike) ---
    def latency_s(self) -> float:
        """Draw the configuration latency of one request (simulated seconds)."""
        return self._latency()

    def refuses(self, operation: str) -> bool:
        """Draw whether the element refuses this ``operation`` request (its error rate)."""
        rate = self._error_rates.get(operation, 0.0)
        return bool(rate) and self._rng.random() < rate

    def loses_answer(self) -> bool:
        """Draw whether the answer to an applied change is lost (or very late)."""
        return bool(self._lost_answer_rate) and self._rng.random() < self._lost_answer_rate

    def activate(self, item: ResourceOrderItem) -> simpy.Event:
        return self.env.process(self._activate(item))

    def deactivate(self, item: Activated) -> simpy.Event:
        return self.env.process(self._deactivate(item))

    def _edit(self, item: ResourceOrderItem | Activated, operation: str
              ) -> Generator[simpy.Event, Any, None]:
        """Hold one NETCONF session for one configuration latency; maybe fail."""
        if not self.reachable():
            yield self.env.timeout(CONNECT_TIMEOUT_S)
            raise SouthboundError(item.key, FalloutCause.ELEMENT_UNREACHABLE, self.name,
                                  "no management connection")
        if self._sessions_free:
            self._sessions_free -= 1
        else:
            turn = self.env.event()
            self._session_queue.append(turn)
            yield turn  # first come, first served: a finishing edit hands its session over
        try:
            yield self.env.timeout(self.latency_s())
        finally:
            if self._session_queue:
                self._session_queue.popleft().succeed()
            else:
                self._sessions_free += 1
        self.requests += 1
        if self.refuses(operation):
            self.errors += 1
            raise SouthboundError(item.key, FalloutCause.ELEMENT_ERROR, self.name,
                                  f"{operation} rejected")

    def _activate(self, item: ResourceOrderItem) -> Generator[simpy.Event, Any, None]:
        # A modify item (e.g. a new speed profile) re-configures what is there already.
        yield from self._edit(item, "modify" if item.action is Action.MODIFY else "activate")
        owner = item.key
        keys = [r.key for r in item.reservations]  # (pool, slot), shared with the inventory
        for key in keys:
            holder = self._configured.get(key)
            if holder is not None and holder != owner:
                raise SouthboundError(item.key, FalloutCause.INVENTORY_MISMATCH, self.name,
                                      f"{key[0]} slot {key[1]} already in use", key)
        for key in keys:
            self._configured[key] = owner
        if self.loses_answer():
            # Applied, but the answer is lost or very late: past any sane ROM timeout.
            yield self.env.timeout(self._late_answer_s)

    def _deactivate(self, item: Activated) -> Generator[simpy.Event, Any, None]:
        yield from self._edit(item, "deactivate")
        owner = item.key
        for r in item.reservations:
            key = r.key
            if self._configured.get(key) == owner:
                del self._configured[key]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
