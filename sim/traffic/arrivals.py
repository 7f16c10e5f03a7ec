"""Order arrivals: one process per scenario arrival entry, of one order type.

A provide stream picks service addresses from the address list (so some may turn out
not to be serviceable), avoids addresses that already have an order, and names
customers with its own seeded Faker. A bulk enterprise order is one order of ``sites``
items; ``at_day`` makes an entry a single order at that time instead of a Poisson
stream. A stream with a rate ``profile`` (:mod:`sim.scenario.profiles`) is sampled
exactly by thinning (:func:`arrival_gaps`).

Modify, cease, move, suspend and resume act on a customer drawn at random from the
products the channel has seen start (an active product of the offering; a suspended
one for resume). Cancel and amend act on an order of the offering still open. An
arrival that finds nothing to act on is skipped and counted (``skipped``).

What an arrival asks for is an :class:`~sim.traffic.requests.OrderRequest`; the
:class:`~sim.traffic.requests.OrderChannel` it is given sends it on (omsim's own order
manager, or a TMF622 endpoint), so both see the same traffic from the same streams.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from typing import Any

import simpy
from faker import Faker

from sim.rng import stream
from sim.scenario.profiles import ProfileClock, RateProfile
from sim.scenario.schema import Arrival, Scenario
from sim.traffic.requests import (
    ON_PRODUCT,
    KnownProduct,
    OrderChannel,
    change_request,
    provide_request,
)
from sim.units import DAY_S

# Distinct customer names per kind (people, companies) in one run. Past that, a new
# customer gets one of the names already made: a Faker call costs about a tenth of what
# simulating the whole order does, and a million orders need no million names.
NAME_POOL = 2000
ADDRESS_DRAWS = 20  # draws for a free address before a taken one will do
CANCEL_REASON = "customer request"


class Arrivals:
    """Starts one SimPy process per arrival entry of a scenario; its orders go to
    ``channel``. ``addresses`` are the service addresses new lines are ordered at."""

    def __init__(self, env: simpy.Environment, channel: OrderChannel,
                 addresses: Sequence[str], scenario: Scenario, seed: int,
                 replication: int, region: str | None = None) -> None:
        """``region``: the region these arrivals are the traffic of, in a partitioned
        scenario (:mod:`sim.run.partition`): every stream is then named after it."""
        self.env = env
        self.channel = channel
        self.addresses = list(addresses)
        self.taken: set[str] = set()
        self._distinct = len(set(self.addresses))  # taken holds them all: the network is full
        self.stopped = False  # set when the run drains: no new orders
        self.skipped: Counter[str] = Counter()  # order type -> arrivals with no target
        def named(name: str) -> random.Random:
            return stream(seed, replication, name if region is None else f"{region}/{name}")

        self._address_rng = named("arrivals:addresses")
        self._fake = Faker(scenario.network.locale)
        self._fake.seed_instance(named("arrivals:customers").getrandbits(32))
        self._names: dict[bool, list[str]] = {False: [], True: []}  # company? -> names made
        self._name_rng = named("arrivals:customer-names")
        catalog = scenario.load_catalog()
        # Products that started billing, per offering: the customers later orders act on.
        self._customers: dict[str, list[str]] = {}
        if any(a.order_type in ON_PRODUCT for a in scenario.arrivals):
            channel.on_products_started(self._on_products_started)
        for n, arrival in enumerate(scenario.arrivals):
            segment = catalog.offerings[arrival.offering].segment
            profile = (scenario.rate_profiles[arrival.profile]
                       if arrival.profile is not None else None)
            env.process(self._stream(arrival, segment, profile,
                                     named(stream_name(n, arrival))))

    def _on_products_started(self, product_ids: Sequence[str]) -> None:
        for product_id in product_ids:
            product = self.channel.product(product_id)
            if product is not None:
                self._customers.setdefault(product.offering, []).append(product_id)

    def _stream(self, arrival: Arrival, segment: str, profile: RateProfile | None,
                rng: random.Random) -> Generator[simpy.Event, Any, None]:
        env = self.env
        if arrival.at_day is not None:
            yield env.timeout(arrival.at_day * DAY_S)
            if not self.stopped:
                self._arrive(arrival, segment, rng)
            return
        rate_s = (arrival.rate_per_day or 0.0) / DAY_S
        for gap_s in arrival_gaps(rate_s, profile, rng, env.now):
            yield env.timeout(gap_s)
            if self.stopped:
                return
            self._arrive(arrival, segment, rng)

    def _arrive(self, arrival: Arrival, segment: str, rng: random.Random) -> None:
        kind = arrival.order_type
        if kind == "provide":
            places = [self._free_address() for _ in range(arrival.sites)]
            customer = self._customer_name(company=segment != "b2c")
            self.channel.place(provide_request(arrival, places, customer, segment))
        elif kind in ON_PRODUCT:
            product = self._customer(arrival.offering, kind, rng)
            if product is None:
                self.skipped[kind] += 1
                return
            self.channel.place(change_request(arrival, product, kind, self._free_address))
        else:
            order = self._order_in_flight(arrival.offering, rng)
            if order is None:
                self.skipped[kind] += 1
            elif kind == "cancel":
                self.channel.cancel(order, CANCEL_REASON)
            else:
                self.channel.amend(order, arrival.characteristics)

    def _customer_name(self, company: bool) -> str:
        """A new Faker name, or once NAME_POOL of the kind exist, one of those."""
        made = self._names[company]
        if len(made) < NAME_POOL:
            made.append(self._fake.company() if company else self._fake.name())
            return made[-1]
        return made[int(self._name_rng.random() * NAME_POOL)]

    def _customer(self, offering: str, kind: str, rng: random.Random) -> KnownProduct | None:
        """A random product of ``offering`` in the status ``kind`` acts on; closed
        products are dropped from the list as they are met."""
        ids = self._customers.get(offering, [])
        wanted = "suspended" if kind == "resume" else "active"
        channel = self.channel
        for _ in range(20):
            if not ids:
                return None
            n = int(rng.random() * len(ids))
            product = channel.product(ids[n])
            if product is None or product.status == "terminated":
                ids[n] = ids[-1]
                ids.pop()
                continue
            if product.status == wanted and not channel.busy(product.id):
                return product
        return None

    def _order_in_flight(self, offering: str, rng: random.Random) -> Any:
        open_orders = self.channel.open_orders(offering)
        if not open_orders:
            return None
        return open_orders[int(rng.random() * len(open_orders))]

    def _free_address(self) -> str:
        # A few draws find a free address while the network is far from full; past that
        # a second order at a taken address is acceptable (a second line).
        addresses, rng = self.addresses, self._address_rng
        if len(self.taken) >= self._distinct:
            # Every address is taken, so the first ADDRESS_DRAWS - 1 draws would miss:
            # skip them at once (random() takes two 32-bit words of the stream, as 64
            # bits of getrandbits do); the last draw is the address the loop would find.
            rng.getrandbits(64 * (ADDRESS_DRAWS - 1))
            return addresses[int(rng.random() * len(addresses))]
        for _ in range(ADDRESS_DRAWS):
            address = addresses[int(rng.random() * len(addresses))]
            if address not in self.taken:
                break
        self.taken.add(address)
        return address


def arrival_gaps(rate_s: float, profile: RateProfile | None, rng: random.Random,
                 start_s: float = 0.0) -> Iterator[float]:
    """The gaps between the arrivals of a Poisson stream of ``rate_s`` orders a second
    on average, its rate shaped by ``profile``, the first gap counted from ``start_s``
    (simulated seconds); endless.

    Without a profile, exponential gaps (the draws every scenario made before profiles
    existed). With one, thinning (Lewis and Shedler): candidates at the profile's ceiling
    rate, each kept with probability multiplier / ceiling, which samples the
    non-homogeneous process exactly. Candidates and keep-draws share ``rng``, so the
    stream's orders depend only on its own random stream."""
    if profile is None:
        while True:
            yield rng.expovariate(rate_s)
    clock = ProfileClock(profile)
    ceiling = clock.ceiling
    t = last = start_s
    while True:
        t += rng.expovariate(rate_s * ceiling)
        if rng.random() * ceiling < clock.multiplier(t):
            yield t - last
            last = t


def stream_name(n: int, arrival: Arrival) -> str:
    """The random stream of the ``n``-th arrival entry (its position, offering and type)."""
    name = f"arrivals:{n}:{arrival.offering}"
    if arrival.order_type != "provide":
        name += f":{arrival.order_type}"
    return name
