"""Order arrivals: one process per scenario arrival entry, of one order type.

A provide stream picks service addresses from the address database (so some may turn
out not to be serviceable), avoids addresses that already have an order, and names
customers with its own seeded Faker. A bulk enterprise order is one order of ``sites``
items; ``at_day`` makes an entry a single order at that time instead of a Poisson
stream.

Modify, cease, move, suspend and resume act on a customer drawn at random from the
product inventory (an active product of the offering; a suspended one for resume).
Cancel and amend act on an order of the offering still in flight. An arrival that finds
nothing to act on is skipped and counted (``skipped``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Generator
from typing import Any

import simpy
from faker import Faker

from network_model import Network
from om import Action, BillingStarted, OrderManager, ProductOrder, ProductOrderItem, State
from om.inventory import Product
from sim.rng import stream
from sim.scenario.schema import Arrival, Scenario
from sim.traffic.churn import cease_item, submit

DAY_S = 86400.0
# Distinct customer names per kind (people, companies) in one run. Past that, a new
# customer gets one of the names already made: a Faker call costs about a tenth of what
# simulating the whole order does, and a million orders need no million names.
NAME_POOL = 2000
_ON_PRODUCT = ("modify", "cease", "move", "suspend", "resume")


class Arrivals:
    """Starts one SimPy process per arrival entry of a scenario."""

    def __init__(self, env: simpy.Environment, om: OrderManager, network: Network,
                 scenario: Scenario, seed: int, replication: int,
                 on_submit: Callable[[ProductOrder, str], None]) -> None:
        self.env = env
        self.om = om
        self.addresses = [a.id for a in network.addresses]
        self.taken: set[str] = set()
        self.on_submit = on_submit
        self.stopped = False  # set when the run drains: no new orders
        self.skipped: Counter[str] = Counter()  # order type -> arrivals with no target
        self._address_rng = stream(seed, replication, "arrivals:addresses")
        self._fake = Faker(scenario.network.locale)
        self._fake.seed_instance(stream(seed, replication, "arrivals:customers").getrandbits(32))
        self._names: dict[bool, list[str]] = {False: [], True: []}  # company? -> names made
        self._name_rng = stream(seed, replication, "arrivals:customer-names")
        catalog = scenario.load_catalog()
        # Products that started billing, per offering: the customers later orders act on.
        self._customers: dict[str, list[str]] = {}
        if any(a.order_type in _ON_PRODUCT for a in scenario.arrivals):
            om.bus.subscribe(BillingStarted, self._on_billing)
        for n, arrival in enumerate(scenario.arrivals):
            segment = catalog.offerings[arrival.offering].segment
            name = f"arrivals:{n}:{arrival.offering}"
            if arrival.order_type != "provide":
                name += f":{arrival.order_type}"
            env.process(self._stream(arrival, segment, stream(seed, replication, name)))

    def _on_billing(self, event: BillingStarted) -> None:
        for product_id in event.product_ids:
            product = self.om.products.products[product_id]
            self._customers.setdefault(product.offering, []).append(product_id)

    def _stream(self, arrival: Arrival, segment: str, rng: random.Random
                ) -> Generator[simpy.Event, Any, None]:
        env = self.env
        if arrival.at_day is not None:
            yield env.timeout(arrival.at_day * DAY_S)
            if not self.stopped:
                self._arrive(arrival, segment, rng)
            return
        rate_s = (arrival.rate_per_day or 0.0) / DAY_S
        while True:
            yield env.timeout(rng.expovariate(rate_s))
            if self.stopped:
                return
            self._arrive(arrival, segment, rng)

    def _arrive(self, arrival: Arrival, segment: str, rng: random.Random) -> None:
        kind = arrival.order_type
        if kind == "provide":
            self._provide(arrival, segment)
        elif kind in _ON_PRODUCT:
            product = self._customer(arrival.offering, kind, rng)
            if product is None:
                self.skipped[kind] += 1
                return
            self._change(arrival, product, kind)
        else:
            order = self._order_in_flight(arrival.offering, rng)
            if order is None:
                self.skipped[kind] += 1
            elif kind == "cancel":
                self.om.com.cancel(order, "customer request")
            else:
                self.om.com.amend(order, order.items[0].id, dict(arrival.characteristics))

    def _customer_name(self, company: bool) -> str:
        """A new Faker name, or once NAME_POOL of the kind exist, one of those."""
        made = self._names[company]
        if len(made) < NAME_POOL:
            made.append(self._fake.company() if company else self._fake.name())
            return made[-1]
        return made[int(self._name_rng.random() * NAME_POOL)]

    def _provide(self, arrival: Arrival, segment: str) -> None:
        items = [ProductOrderItem(str(i + 1), Action.ADD, arrival.offering,
                                  self._free_address())
                 for i in range(arrival.sites)]
        customer = self._customer_name(company=segment != "b2c")
        label = f"{arrival.offering} (bulk)" if arrival.sites > 1 else arrival.offering
        submit(self.om, items, customer, segment, label, self.on_submit)

    def _change(self, arrival: Arrival, product: Product, kind: str) -> None:
        offering, place, pid = product.offering, product.place, product.id
        if kind == "modify":
            items = [ProductOrderItem("1", Action.MODIFY, offering, place,
                                      dict(arrival.characteristics), product_id=pid)]
        elif kind in ("suspend", "resume"):
            status = "suspended" if kind == "suspend" else "active"
            items = [ProductOrderItem("1", Action.MODIFY, offering, place, product_id=pid,
                                      product_status=status)]
        elif kind == "cease":
            items = [cease_item(product)]
        else:  # move: the new line first, then the old one goes
            items = [ProductOrderItem("1", Action.ADD, offering, self._free_address(),
                                      dict(product.characteristics)),
                     cease_item(product, "2", after=("1",))]
        submit(self.om, items, product.customer, kind, f"{offering} [{kind}]",
               self.on_submit)

    def _customer(self, offering: str, kind: str, rng: random.Random) -> Product | None:
        """A random product of ``offering`` in the status ``kind`` acts on; closed
        products are dropped from the list as they are met."""
        ids = self._customers.get(offering, [])
        wanted = "suspended" if kind == "resume" else "active"
        products = self.om.products.products
        for _ in range(20):
            if not ids:
                return None
            n = int(rng.random() * len(ids))
            product = products[ids[n]]
            if product.status == "terminated":
                ids[n] = ids[-1]
                ids.pop()
                continue
            if product.status == wanted and product.id not in self.om.com.busy_products:
                return product
        return None

    def _order_in_flight(self, offering: str, rng: random.Random) -> ProductOrder | None:
        open_orders = [o for o in self.om.com.open_orders.values()
                       if o.items[0].offering == offering and o.cancellation is None
                       and o.state in (State.ACKNOWLEDGED, State.PENDING, State.IN_PROGRESS)]
        if not open_orders:
            return None
        return open_orders[int(rng.random() * len(open_orders))]

    def _free_address(self) -> str:
        # A few draws find a free address while the network is far from full; past that
        # a second order at a taken address is acceptable (a second line).
        for _ in range(20):
            address = self.addresses[int(self._address_rng.random() * len(self.addresses))]
            if address not in self.taken:
                break
        self.taken.add(address)
        return address
