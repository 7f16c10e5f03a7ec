"""The end-of-run drain (``churn.cease_all_at_end``): stop new orders, let those in flight
end, cease every customer and let those cease orders end too; then check that every
pool is back where it started and that no element still holds configuration. This is
how a scenario proves that no resource leaks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import simpy

from om import OrderManager
from sim.elements.element import DRIFT, Element
from sim.traffic.churn import Churn
from sim.units import DAY_S


def drain(env: simpy.Environment, om: OrderManager, churn: Churn,
          in_flight: Callable[[], int], max_days: float = 365.0) -> dict[str, Any]:
    """Stop new orders, let every order in flight end, cease every active product of
    ``om`` (through ``churn``) and let those cease orders end too. Returns how long it
    took and how many were ceased."""
    churn.stopped = True
    started = env.now
    deadline = env.now + max_days * DAY_S
    ceased = 0
    while env.now < deadline:
        while in_flight() and env.now < deadline:
            env.run(until=min(deadline, env.now + DAY_S))
        active = [p for p in om.products.products.values()
                  if p.status == "active" and p.id not in churn.ceasing]
        if not active:
            break
        for product in active:
            ceased += churn.cease(product.id)
    return {"ceased": ceased, "days": round((env.now - started) / DAY_S, 3),
            "orders_in_flight": in_flight()}


def leftovers(om: OrderManager, elements: Iterable[Element],
              free_at_start: Mapping[str, int]) -> dict[str, Any]:
    """After a drain: pools not back to their starting free count (less the slots
    reconciled as used by the network), resource records still held, and configuration
    elements still hold (drift aside). All three are 0 when nothing leaked."""
    reconciled: dict[str, int] = {}
    for r in om.resources.reconciled():
        reconciled[r.pool.name] = reconciled.get(r.pool.name, 0) + 1
    not_back = sorted(
        pool.name for pool in om.network.all_pools()
        if pool.free + reconciled.get(pool.name, 0) != free_at_start[pool.name]
        and pool.limit == pool.capacity)
    stale = sum(1 for e in elements for owner in e.configured.values() if owner != DRIFT)
    return {"pools_not_back": len(not_back), "pools_not_back_examples": not_back[:5],
            "resources_held": len(om.resources) - sum(reconciled.values()),
            "element_config_left": stale}
