"""Memory follows what is alive (issue 15): an order that ended leaves memory, and what a
later cease or modify needs stays in the service inventory as compact records.

Each test holds only a weak reference to the orders it watches, so an order still alive
afterwards is one the order manager (or the emulated network behind it) still reaches.
The cyclic collector stays off while the run goes, as in a batch run: what leaves must
leave by reference counting alone.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

from om import Action, FakeSouthbound, ProductOrderItem, State
from om.orders import Activation
from sim.run.collector import collector_for_simulation
from sim.run.harness import build_run
from sim.scenario.load import scenario_from_dict
from sim.units import DAY_S
from tests.conftest import REPO, order_manager, small_dict

# Provides of every offering, modifies, ceases, moves, suspends and resumes: each order
# type that reads the service inventory after the order that built the service ended.
CHANGES = [
    {"offering": "SuperFibre 200 Home", "order_type": "modify", "rate_per_day": 4,
     "characteristics": {"downstream_mbps": 1000, "upstream_mbps": 100}},
    {"offering": "SuperFibre 200 Home", "order_type": "cease", "rate_per_day": 4},
    {"offering": "SuperFibre 200 Home", "order_type": "move", "rate_per_day": 2},
    {"offering": "SuperFibre 200 Home", "order_type": "suspend", "rate_per_day": 2},
    {"offering": "SuperFibre 200 Home", "order_type": "resume", "rate_per_day": 2},
]


def _watched(om: Any) -> list[weakref.ref]:
    """Weak references to every order ``om`` is given from now on."""
    refs: list[weakref.ref] = []
    submit = om.submit

    def watch(order: Any) -> Any:
        refs.append(weakref.ref(order))
        return submit(order)

    om.submit = watch
    return refs


def test_an_ended_order_is_not_reachable_from_the_order_manager():
    """In a run that does not keep ended orders, every order that ended is gone from
    memory by the end, while those still in flight are alive; ceases, moves and modifies
    found what they needed without them."""
    raw = small_dict(duration_days=8, arrivals=[*small_dict()["arrivals"], *CHANGES])
    scenario = scenario_from_dict(raw, "small.yaml", REPO)
    run = build_run(scenario, keep_ended=False)
    refs = _watched(run.om)
    with collector_for_simulation(bounded=True):
        assert not gc.isenabled()
        run.env.run(until=scenario.duration_days * DAY_S)
        alive = [r() for r in refs if r() is not None]
        report = run.metrics.report()
    states = report["orders"]
    ended = sum(states[s] for s in ("completed", "failed", "partial", "cancelled",
                                    "rejected"))
    assert ended > 200 and report["order_types"]["cease"]["completed"] > 10
    assert report["order_types"]["modify"]["completed"] > 10
    assert report["order_types"]["move"]["completed"] > 5
    assert [o.id for o in alive if o.state not in (State.ACKNOWLEDGED, State.PENDING,
                                                   State.IN_PROGRESS)] == []
    assert len(alive) == states["in_flight"]
    # The report keeps a row of numbers per order, and finds only open ones by id.
    assert len(run.metrics.orders) == states["submitted"]
    assert run.metrics.orders.changing == states["in_flight"]


def test_a_cease_undoes_the_records_of_an_add_order_that_left_memory():
    """The service keeps one Activation per resource order item; the cease deactivates
    them by the keys the elements know, and every slot goes back to its pool."""
    env, net, sb, om, log = order_manager(keep_ended=False)
    provide = om.com.new_order([ProductOrderItem("1", Action.ADD, "SuperFibre 200 Home",
                                                 net.addresses[0].id)], customer="Ada")
    om.submit(provide)
    env.run()
    assert provide.state is State.COMPLETED
    gone = weakref.ref(provide)
    product_id = next(iter(om.products.products))
    (service,) = om.services.services.values()
    assert all(type(a) is Activation for a in service.activations)
    keys = [a.key for a in service.activations]
    del provide
    assert gone() is None
    cease = om.com.new_order([ProductOrderItem("1", Action.DELETE, "SuperFibre 200 Home",
                                               net.addresses[0].id, product_id=product_id)])
    om.submit(cease)
    env.run()
    assert cease.state is State.COMPLETED
    assert sb.deactivated == keys[::-1]  # newest first
    assert len(om.resources) == 0 and all(p.in_use == 0 for p in net.all_pools())


def test_orders_are_kept_whole_unless_asked_otherwise():
    """By default (tests, traces, the live service) an ended order stays whole."""
    env, net, sb, om, log = order_manager(lambda env: FakeSouthbound(env))
    order = om.com.new_order([ProductOrderItem("1", Action.ADD, "SuperFibre 200 Home",
                                               net.addresses[0].id)])
    om.submit(order)
    env.run()
    assert order.state is State.COMPLETED
    assert [i.rfs for i in order.service_order.items[0].resource_order.items] == [
        "RFS_GponAccess", "RFS_FibreInstall", "RFS_SubscriberSession", "RFS_Ipv4Lease"]


def test_the_wire_plans_of_a_record_are_those_of_the_item_it_records():
    """The wire southbound plans a cease (and the unit a modify changes) from the record
    exactly as it would from the add item: same units, IPAM records and circuits."""
    from sim.southbound.plans import plan_for

    env, net, sb, om, log = order_manager()
    order = om.com.new_order([ProductOrderItem("1", Action.ADD, "SuperFibre 200 Home",
                                               net.addresses[0].id)])
    om.submit(order)
    env.run()
    items = order.service_order.items[0].resource_order.items
    (service,) = om.services.services.values()
    assert len(service.activations) == len(items) == 4
    for item, record in zip(items, service.activations, strict=True):
        for remove in (True, False):
            assert plan_for(record, net, remove, 5.0, "t") == plan_for(item, net, remove, 5.0,
                                                                       "t")
        assert record.identifiers() == item.identifiers()
