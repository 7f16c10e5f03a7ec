"""Churn: customers leave after a holding time, and a cease order returns what they
held to the pools.

With Poisson arrivals, exponential holding times and no retries or fallout queue, a
single PON port of c ONT ids is an M/M/c/c loss system (Erlang B).

Who leaves when is one heap of departures and one timer for the earliest, not a SimPy
process per customer: a customer base of 100,000 costs about 100 bytes each here.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from heapq import heappop, heappush

import simpy

from sim.scenario.schema import Scenario
from sim.traffic.requests import OrderChannel, cease_request
from sim.units import DAY_S


class Churn:
    """Schedules a cease order for each product, through ``channel``, when its holding
    time is up."""

    def __init__(self, env: simpy.Environment, channel: OrderChannel, scenario: Scenario,
                 rng: random.Random) -> None:
        self.env = env
        self.channel = channel
        self.stopped = False
        self.ceasing: set[str] = set()  # product ids with a cease order sent
        self._forget_at = 1024  # ceasing's size at which the gone ones are forgotten
        # Departures, earliest first: (when, in which order it was set, product id).
        self._leaving: list[tuple[float, int, str]] = []
        self._count = itertools.count()
        self._timers: list[float] = []  # when the timers set go off, earliest first
        holding = scenario.churn.holding_days
        self._holding_days = holding.sampler(rng) if holding is not None else None
        if self._holding_days is not None:
            channel.on_products_started(self._on_products_started)

    def _on_products_started(self, product_ids: Sequence[str]) -> None:
        assert self._holding_days is not None
        now = self.env.now
        for product_id in product_ids:
            # (now + holding: when a timeout of the holding time set now would go off)
            heappush(self._leaving, (now + self._holding_days() * DAY_S, next(self._count),
                                     product_id))
        self._set_timer()

    def _set_timer(self) -> None:
        """A timer for the earliest departure, unless one goes off by then already."""
        leaving, timers = self._leaving, self._timers
        if leaving and (not timers or leaving[0][0] < timers[0]):
            at = leaving[0][0]
            heappush(timers, at)
            self.env.timeout(_delay_to(self.env.now, at)).callbacks.append(self._on_timer)

    def _on_timer(self, _: simpy.Event) -> None:
        """Cease every customer whose holding time is up (in the order they were set)."""
        now, leaving, timers = self.env.now, self._leaving, self._timers
        while timers and timers[0] <= now:
            heappop(timers)
        while leaving and leaving[0][0] <= now:
            product_id = heappop(leaving)[2]
            if not self.stopped:
                self.cease(product_id)
        self._set_timer()

    def cease(self, product_id: str) -> bool:
        """Send a cease order for one active product (at most one per product); whether
        one was sent."""
        product = self.channel.product(product_id)
        if product is None or product.status != "active" or product_id in self.ceasing:
            return False
        self.ceasing.add(product_id)
        self.channel.place(cease_request(product))
        if len(self.ceasing) >= self._forget_at:
            self._forget_gone()
        return True

    def _forget_gone(self) -> None:
        """Drop the ceased products that are gone (a cease that failed keeps its product,
        and its place here): the set follows the customers there are, not all there were."""
        product = self.channel.product
        self.ceasing = {p for p in self.ceasing
                        if (known := product(p)) is not None and known.status != "terminated"}
        self._forget_at = max(1024, 2 * len(self.ceasing))


def _delay_to(now: float, at: float) -> float:
    """The delay from ``now`` of a timeout that goes off at exactly ``at`` (SimPy adds
    the delay to the clock, and ``now + (at - now)`` may miss ``at`` by a rounding)."""
    delay = at - now
    while now + delay < at:
        delay = math.nextafter(delay, math.inf)
    while now + delay > at:
        delay = math.nextafter(delay, -math.inf)
    return delay
