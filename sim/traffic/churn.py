"""Churn: customers leave after a holding time, and a cease order returns what they
held to the pools.

With Poisson arrivals, exponential holding times and no retries or fallout queue, a
single PON port of c ONT ids is an M/M/c/c loss system (Erlang B).

Who leaves when is an entry of one :class:`om.agenda.Agenda` per customer, not a SimPy
process: a customer base of 100,000 costs about 200 bytes each here.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import simpy

from om.agenda import Agenda
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
        self._leaving = Agenda(env)  # product ids, when their holding time is up
        holding = scenario.churn.holding_days
        self._holding_days = holding.sampler(rng) if holding is not None else None
        if self._holding_days is not None:
            channel.on_products_started(self._on_products_started)

    def _on_products_started(self, product_ids: Sequence[str]) -> None:
        assert self._holding_days is not None
        now = self.env.now
        for product_id in product_ids:
            # (now + holding: when a timeout of the holding time set now would go off)
            self._leaving.at(now + self._holding_days() * DAY_S, self._leave, product_id)

    def _leave(self, product_id: str) -> None:
        if not self.stopped:
            self.cease(product_id)

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

