"""The three layers with a fake southbound: decomposition, DAG, compensation, billing."""

from __future__ import annotations

from om import (
    Action,
    BillingStarted,
    FakeSouthbound,
    FalloutCause,
    FalloutRaised,
    ProductOrderItem,
    State,
    StateChanged,
)
from tests.conftest import order_manager


def _manager(verdict=lambda item: None, delay_s=10.0):
    """Elements that answer after ``delay_s``, refusing as ``verdict`` says."""
    return order_manager(lambda env: FakeSouthbound(env, verdict, delay_s))


def _order(om, net, offering="SuperFibre 200 Home", n=1, place=None):
    items = [ProductOrderItem(str(i + 1), Action.ADD, offering,
                              place or net.addresses[i].id) for i in range(n)]
    return om.com.new_order(items, customer="Ada")


def test_provide_completes_through_all_layers():
    """A B2C provide order decomposes into one CFS and four RFS and completes."""
    env, net, sb, om, log = _manager()
    order = _order(om, net)
    om.submit(order)
    env.run()
    assert order.state is State.COMPLETED
    so = order.service_order
    assert [i.cfs for i in so.items] == ["CFS_InternetAccess"]
    ro = so.items[0].resource_order
    assert [i.rfs for i in ro.items] == ["RFS_GponAccess", "RFS_FibreInstall",
                                         "RFS_SubscriberSession", "RFS_Ipv4Lease"]
    assert len(om.resources) == 4  # ONT id, C-VLAN, session, IPv4
    assert len(om.services.services) == 1 and len(om.products.products) == 1
    assert {r.correlation_id for r in om.resources.by_id.values()} == {f"{order.id}/1"}
    assert any(isinstance(e, BillingStarted) for e in log)


def test_dependent_services_wait_and_siblings_run_in_parallel():
    """Voice and Wi-Fi start only after Internet completes, and then together."""
    env, net, sb, om, log = _manager()
    order = _order(om, net, "Enterprise Connect Site")
    om.submit(order)
    env.run()
    started = {e.id: e.at_s for e in log if isinstance(e, StateChanged)
               and e.entity == "serviceOrderItem" and e.new == "inProgress"}
    done = {e.id: e.at_s for e in log if isinstance(e, StateChanged)
            and e.entity == "serviceOrderItem" and e.new == "completed"}
    so = order.service_order.id
    assert started[f"{so}/2"] == started[f"{so}/3"] == done[f"{so}/1"]
    assert done[f"{so}/2"] == done[f"{so}/3"]
    assert order.state is State.COMPLETED
    assert len(om.products.products) == 1  # the bundle is one product


def test_failed_activation_compensates_and_fails_dependants():
    """An element error on Internet releases what ROM held and fails voice and Wi-Fi."""
    def verdict(item):
        return FalloutCause.ELEMENT_ERROR if item.rfs == "RFS_SubscriberSession" else None
    env, net, sb, om, log = _manager(verdict)
    order = _order(om, net, "Enterprise Connect Site")
    om.submit(order)
    env.run()
    assert order.state is State.FAILED
    assert order.fallout_cause == "element_error"
    assert len(om.resources) == 0
    assert all(p.in_use == 0 for p in net.all_pools())
    assert sb.deactivated  # the ONT registration was undone
    assert [i.state for i in order.service_order.items] == [State.FAILED] * 3
    assert not any(isinstance(e, BillingStarted) for e in log)


def test_unserviceable_address_fails_only_its_item():
    """An address no PON port passes fails in COM; the order's other item completes."""
    env, net, sb, om, log = _manager()
    order = _order(om, net, n=1)
    order.items.append(ProductOrderItem("2", Action.ADD, "SuperFibre 200 Home",
                                        net.addresses[-1].id))
    order.items[1].order = order
    om.submit(order)
    env.run()
    assert order.state is State.PARTIAL
    fallout = [e for e in log if isinstance(e, FalloutRaised)]
    assert [(f.layer, f.cause) for f in fallout] == [("COM", "address_not_found")]
    assert not any(isinstance(e, BillingStarted) for e in log)  # only when all complete


def test_unknown_offering_rejects_order():
    """An order for an offering the catalog lacks is rejected before decomposition."""
    env, net, sb, om, log = _manager()
    order = _order(om, net, "Gold-plated Fibre")
    om.submit(order)
    env.run()
    assert order.state is State.REJECTED
    assert "unknown offering 'Gold-plated Fibre'" in order.state_reason
    assert order.service_order is None


def test_exhausted_pool_is_resource_exhausted_fallout():
    """When a PON port has no ONT id left, ROM falls out with resource_exhausted."""
    env, net, sb, om, log = _manager()
    address = net.addresses[0]
    net.ports[address.port].ont_ids.limit = 0
    order = _order(om, net, place=address.id)
    om.submit(order)
    env.run()
    assert order.state is State.FAILED and order.fallout_cause == "resource_exhausted"
    assert len(om.resources) == 0
