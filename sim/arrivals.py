"""Order arrivals: one Poisson stream of product orders per scenario arrival entry.

A stream picks service addresses from the address database (so some may turn out not
to be serviceable), avoids addresses that already have an order, and names customers
with its own seeded Faker. A bulk enterprise order is one order of ``sites`` items.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy
from faker import Faker

from network_model import Network
from om import Action, OrderManager, ProductOrder, ProductOrderItem
from sim.rng import stream
from sim.scenario import Arrival, Scenario

DAY_S = 86400.0


class Arrivals:
    """Starts one SimPy process per arrival stream of a scenario."""

    def __init__(self, env: simpy.Environment, om: OrderManager, network: Network,
                 scenario: Scenario, seed: int, replication: int,
                 on_submit: Callable[[ProductOrder, str], None]) -> None:
        self.env = env
        self.om = om
        self.addresses = [a.id for a in network.addresses]
        self.taken: set[str] = set()
        self.on_submit = on_submit
        self.stopped = False  # set when the run drains: no new orders
        self._address_rng = stream(seed, replication, "arrivals:addresses")
        self._fake = Faker(scenario.network.locale)
        self._fake.seed_instance(stream(seed, replication, "arrivals:customers").getrandbits(32))
        catalog = scenario.load_catalog()
        for n, arrival in enumerate(scenario.arrivals):
            segment = catalog.offerings[arrival.offering].segment
            rng = stream(seed, replication, f"arrivals:{n}:{arrival.offering}")
            env.process(self._stream(arrival, segment, rng))

    def _stream(self, arrival: Arrival, segment: str, rng: random.Random
                ) -> Generator[simpy.Event, Any, None]:
        env, rate_s = self.env, arrival.rate_per_day / DAY_S
        bulk = arrival.sites > 1
        while True:
            yield env.timeout(rng.expovariate(rate_s))
            if self.stopped:
                return
            items = [ProductOrderItem(str(i + 1), Action.ADD, arrival.offering,
                                      self._free_address())
                     for i in range(arrival.sites)]
            customer = self._fake.company() if segment != "b2c" else self._fake.name()
            order = self.om.com.new_order(items, customer=customer, category=segment)
            label = f"{arrival.offering} (bulk)" if bulk else arrival.offering
            self.on_submit(order, label)
            self.om.submit(order)

    def _free_address(self) -> str:
        # A few draws find a free address while the network is far from full; past that
        # a second order at a taken address is acceptable (a second line).
        for _ in range(20):
            address = self.addresses[int(self._address_rng.random() * len(self.addresses))]
            if address not in self.taken:
                break
        self.taken.add(address)
        return address
