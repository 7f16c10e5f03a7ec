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
from collections.abc import Callable, Iterable, Mapping
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
        self._session_queue: deque[_Request] = deque()
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
        # A modify item (e.g. a new speed profile) re-configures what is there already.
        operation = "modify" if item.action is Action.MODIFY else "activate"
        return self._request(_Request(self, item, operation, self._configure))

    def deactivate(self, item: Activated) -> simpy.Event:
        return self._request(_Request(self, item, "deactivate", self._unconfigure))

    # -- one request: a session, one configuration latency, the answer. Callbacks on the
    # -- timers, not a process per request: a process costs two SimPy events more (its
    # -- start and its end) and a generator resumed through SimPy's machinery.
    def _request(self, request: _Request) -> simpy.Event:
        """Send ``request``; its event ends with the answer (fails with a
        :class:`SouthboundError`)."""
        if not self.reachable():
            self.env.timeout(CONNECT_TIMEOUT_S).callbacks.append(request.unreachable)
        elif self._sessions_free:
            self._sessions_free -= 1
            self._edit(request)
        else:  # first come, first served: a finishing edit hands its session over
            self._session_queue.append(request)
        return request.done

    def _edit(self, request: _Request) -> None:
        """Hold the session for one configuration latency, then answer."""
        self.env.timeout(self.latency_s()).callbacks.append(request.edited)

    def _answer(self, request: _Request) -> None:
        """The latency is over: hand the session on, maybe refuse, else apply."""
        if self._session_queue:
            turn = self.env.event()  # the next edit starts once this instant's turn comes
            turn.callbacks.append(self._session_queue.popleft().turn)
            turn.succeed()
        else:
            self._sessions_free += 1
        self.requests += 1
        item, operation, done = request.item, request.operation, request.done
        if self.refuses(operation):
            self.errors += 1
            done.fail(SouthboundError(item.key, FalloutCause.ELEMENT_ERROR, self.name,
                                      f"{operation} rejected"))
            return
        try:
            request.apply(item)
        except SouthboundError as exc:
            done.fail(exc)
            return
        if operation != "deactivate" and self.loses_answer():
            # Applied, but the answer is lost or very late: past any sane ROM timeout.
            self.env.timeout(self._late_answer_s).callbacks.append(request.answered)
        else:
            done.succeed()

    def _configure(self, item: ResourceOrderItem | Activated) -> None:
        owner = item.key
        keys = [r.key for r in item.reservations]  # (pool, slot), shared with the inventory
        for key in keys:
            holder = self._configured.get(key)
            if holder is not None and holder != owner:
                raise SouthboundError(item.key, FalloutCause.INVENTORY_MISMATCH, self.name,
                                      f"{key[0]} slot {key[1]} already in use", key)
        for key in keys:
            self._configured[key] = owner

    def _unconfigure(self, item: ResourceOrderItem | Activated) -> None:
        owner = item.key
        for r in item.reservations:
            key = r.key
            if self._configured.get(key) == owner:
                del self._configured[key]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class _Request:
    """One request to an element: what it is for, what applying it does, and the event
    that ends with its answer; its methods are the callbacks of its timers."""

    __slots__ = ("element", "item", "operation", "apply", "done")

    def __init__(self, element: Element, item: ResourceOrderItem | Activated,
                 operation: str, apply: Callable[[Any], None]) -> None:
        self.element = element
        self.item = item
        self.operation = operation
        self.apply = apply
        self.done = element.env.event()

    def turn(self, _: simpy.Event) -> None:
        self.element._edit(self)

    def edited(self, _: simpy.Event) -> None:
        self.element._answer(self)

    def answered(self, _: simpy.Event) -> None:
        self.done.succeed()

    def unreachable(self, _: simpy.Event) -> None:
        self.done.fail(SouthboundError(self.item.key, FalloutCause.ELEMENT_UNREACHABLE,
                                       self.element.name, "no management connection"))
