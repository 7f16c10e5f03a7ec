"""Churn: customers leave after a holding time, and a cease order returns what they
held to the pools. Also where traffic orders are built and submitted in one place
(:func:`cease_item`, :func:`submit`), for churn and for the arrivals.

With Poisson arrivals, exponential holding times and no retries or fallout queue, a
single PON port of c ONT ids is an M/M/c/c loss system (Erlang B).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from om import Action, BillingStarted, OrderManager, ProductOrder, ProductOrderItem
from om.inventory import Product
from sim.scenario.schema import Scenario
from sim.units import DAY_S

CEASE = "cease"


class Churn:
    """Schedules a cease order for each product when its holding time is up."""

    def __init__(self, env: simpy.Environment, om: OrderManager, scenario: Scenario,
                 rng: random.Random, on_submit: Callable[[ProductOrder, str], None]) -> None:
        self.env = env
        self.om = om
        self.on_submit = on_submit
        self.stopped = False
        self.ceasing: set[str] = set()  # product ids with a cease order submitted
        holding = scenario.churn.holding_days
        self._holding_days = holding.sampler(rng) if holding is not None else None
        if self._holding_days is not None:
            om.bus.subscribe(BillingStarted, self._on_billing)

    def _on_billing(self, event: BillingStarted) -> None:
        assert self._holding_days is not None
        for product_id in event.product_ids:
            self.env.process(self._hold(product_id, self._holding_days() * DAY_S))

    def _hold(self, product_id: str, holding_s: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(holding_s)
        if not self.stopped:
            self.cease(product_id)

    def cease(self, product_id: str) -> ProductOrder | None:
        """Submit a cease order for one active product (at most one per product)."""
        product = self.om.products.products.get(product_id)
        if product is None or product.status != "active" or product_id in self.ceasing:
            return None
        self.ceasing.add(product_id)
        return submit(self.om, [cease_item(product)], product.customer, CEASE,
                      f"{product.offering} [{CEASE}]", self.on_submit)


def cease_item(product: Product, item_id: str = "1", after: tuple[str, ...] = ()
               ) -> ProductOrderItem:
    """The order item that ceases ``product`` (``after``: the items it waits for)."""
    return ProductOrderItem(item_id, Action.DELETE, product.offering, product.place,
                            product_id=product.id, after=after)


def submit(om: OrderManager, items: list[ProductOrderItem], customer: str, category: str,
           label: str, on_submit: Callable[[ProductOrder, str], None]) -> ProductOrder:
    """Make an order of ``items``, tell ``on_submit`` (metrics: ``label`` is how the
    report groups it) and submit it."""
    order = om.com.new_order(items, customer=customer, category=category)
    on_submit(order, label)
    om.submit(order)
    return order
