"""The traffic of a partitioned scenario (``partition: regions``): each region its own.

Each region has its own arrivals, at its own addresses, and its own churn, every random
stream named after the region (``R01/arrivals:0:…``, ``R01/churn``), and sees only its
own customers and open orders. A Poisson stream of the scenario is split over the
regions in proportion to their addresses (the address database, serviceable or not):
the sum of independent Poisson streams of rates λ·share is a Poisson stream of rate λ
with addresses drawn uniformly, the unpartitioned scenario's traffic in distribution.

So a region's orders and random draws do not depend on whether another region is
simulated beside it, in the same SimPy environment or not: the whole scenario in one
process and each region in a process of its own (:mod:`sim.run.partition`) make the
same orders at the same times, and the merged report equals the single one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import simpy

from network_model import Network, NetworkSize
from om import OrderManager, ProductOrder
from sim.rng import stream
from sim.scenario.schema import Scenario
from sim.traffic.arrivals import Arrivals
from sim.traffic.churn import Churn
from sim.traffic.om_channel import OmChannel


def region_names(size: NetworkSize) -> list[str]:
    """The regions that have exchanges, as :func:`network_model.generate_network` names
    them (exchanges are dealt to regions round-robin; regions past them serve nobody)."""
    return [f"R{r + 1:02d}" for r in range(min(size.regions, size.exchanges))]


class RegionChannel(OmChannel):
    """The order manager as one region's customers see it: their own products and their
    own orders in flight (``region_of``: each address's region)."""

    def __init__(self, om: OrderManager, on_submit: Callable[[ProductOrder, str], None],
                 region_of: dict[str, str], region: str) -> None:
        super().__init__(om, on_submit)
        self.region = region
        self._region_of = region_of

    def on_products_started(self, callback: Callable[[Sequence[str]], None]) -> None:
        products = self.om.products.products
        region_of, region = self._region_of, self.region

        def ours(product_ids: Sequence[str]) -> None:
            mine = [p for p in product_ids if (product := products.get(p)) is not None
                    and region_of.get(product.place) == region]
            if mine:
                callback(mine)
        super().on_products_started(ours)

    def open_orders(self, offering: str) -> list[ProductOrder]:
        region_of, region = self._region_of, self.region
        return [o for o in super().open_orders(offering)
                if region_of.get(o.items[0].place) == region]


@dataclass
class RegionTraffic:
    """One region's traffic in a run."""

    region: str
    channel: RegionChannel
    arrivals: Arrivals
    churn: Churn


def regional_traffic(env: simpy.Environment, om: OrderManager, network: Network,
                     scenario: Scenario, seed: int, replication: int,
                     on_submit: Callable[[ProductOrder, str], None],
                     regions: Sequence[str] | None = None) -> list[RegionTraffic]:
    """The traffic of ``regions`` (default: every region with exchanges), in region
    order."""
    region_of = {a.id: network.exchanges[a.exchange].region for a in network.addresses}
    out = []
    for region in region_names(scenario.network):
        if regions is not None and region not in regions:
            continue
        mine = [a.id for a in network.addresses if region_of[a.id] == region]
        if not mine:  # exchanges without a home: nobody to order
            continue
        channel = RegionChannel(om, on_submit, region_of, region)
        share = len(mine) / len(network.addresses)
        sources = Arrivals(env, channel, mine, _scaled(scenario, share), seed, replication,
                           region=region)
        churn = Churn(env, channel, scenario, stream(seed, replication, f"{region}/churn"))
        out.append(RegionTraffic(region, channel, sources, churn))
    return out


def _scaled(scenario: Scenario, share: float) -> Scenario:
    """``scenario`` with the rate of every arrival stream multiplied by ``share``."""
    arrivals = [a.model_copy(update={"rate_per_day": a.rate_per_day * share})
                if a.rate_per_day is not None else a for a in scenario.arrivals]
    return scenario.model_copy(update={"arrivals": arrivals})
