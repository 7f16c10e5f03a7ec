"""The order lifecycle through COM, SOM and ROM with a fake network: provide, modify,
cease, move, suspend/resume, cancel and amend in flight, approvals, jeopardy."""

from __future__ import annotations

import random

import pytest

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
from om.approvals import ApproverPool
from om.catalog import catalog_from_dict
from om.events import ApprovalDecided, JeopardyRaised, SlaBreached
from tests.conftest import CATALOG, order_manager

DAY_S = 86400.0
HOME = "SuperFibre 200 Home"
SITE = "Enterprise Connect Site"


class VisitingSouthbound(FakeSouthbound):
    """Fake network whose install visits take a day's lead time, then two hours on site."""

    def activate(self, item):
        if item.spec.element != "workforce":
            return super().activate(item)
        return self.env.process(self._visit(item))

    def _visit(self, item):
        yield self.env.timeout(DAY_S)
        item.appointment = ("tech-1", self.env.now)
        yield self.env.timeout(7200)
        self.activated.append(item.key)


def _manager(catalog=None, verdict=lambda item: None, **options):
    """Elements that answer in 5 s and technicians who come a day later."""
    return order_manager(lambda env: VisitingSouthbound(env, verdict, 5.0), catalog=catalog,
                         logged=(StateChanged, FalloutRaised, BillingStarted, JeopardyRaised,
                                 SlaBreached, ApprovalDecided), **options)


def _submit(om, *items, customer="Ada"):
    order = om.com.new_order(list(items), customer=customer)
    om.submit(order)
    return order


def _provide(env, om, net, offering=HOME, address=0):
    order = _submit(om, ProductOrderItem("1", Action.ADD, offering, net.addresses[address].id))
    env.run()
    assert order.state is State.COMPLETED
    return om.products.products[order.items[0].product_id]


def _snapshot(om):
    return {(r.pool.name, r.slot, r.status) for r in om.resources.by_id.values()}


def test_cease_frees_every_resource_and_closes_inventory():
    """After a cease no product or service stays active and every pool slot is free."""
    env, net, sb, om, log = _manager()
    product = _provide(env, om, net, SITE)
    assert len(om.resources) == 5  # ONT id, C-VLAN, session, IPv4, phone number
    cease = _submit(om, ProductOrderItem("1", Action.DELETE, SITE, product.place,
                                         product_id=product.id))
    env.run()
    assert cease.state is State.COMPLETED and cease.order_type == "cease"
    assert product.status == "terminated" and product.end_s == cease.completion_date_s
    assert all(s.state == "terminated" and not s.resource_ids
               for s in om.services.services.values())
    assert len(om.resources) == 0 and all(p.in_use == 0 for p in net.all_pools())
    # Dependants first: voice and Wi-Fi are removed before the internet access they need.
    done = {e.id: e.at_s for e in log if isinstance(e, StateChanged)
            and e.entity == "serviceOrderItem" and e.new == "completed"
            and e.id.startswith(cease.service_order.id)}
    items = {s.cfs: s.key for s in cease.service_order.items}
    assert done[items["CFS_InternetAccess"]] > max(done[items["CFS_Voice"]],
                                                   done[items["CFS_WifiManagement"]])
    assert not any(isinstance(e, BillingStarted) and e.order_id == cease.id for e in log)


def test_speed_change_touches_only_the_bng_profile():
    """A speed upgrade is one modify RFS on the BNG; everything else is noChange."""
    env, net, sb, om, log = _manager()
    product = _provide(env, om, net, HOME)
    before, activated = _snapshot(om), len(sb.activated)
    order = _submit(om, ProductOrderItem("1", Action.MODIFY, HOME, product.place,
                                         {"downstream_mbps": 1000}, product_id=product.id))
    env.run()
    assert order.state is State.COMPLETED and order.order_type == "modify"
    [service_item] = order.service_order.items
    assert service_item.action is Action.MODIFY and service_item.cfs == "CFS_InternetAccess"
    [rfs] = service_item.resource_order.items
    assert (rfs.rfs, rfs.action) == ("RFS_SubscriberSession", Action.MODIFY)
    assert rfs.target.startswith("bng:")
    assert service_item.unchanged == ("RFS_GponAccess", "RFS_FibreInstall", "RFS_Ipv4Lease")
    assert sb.activated[activated:] == [rfs.key]  # nothing else reached the network
    assert _snapshot(om) == before  # same resources, same slots
    assert product.characteristics["downstream_mbps"] == 1000
    assert product.characteristics["upstream_mbps"] == 30  # untouched


def test_bundle_modify_sends_only_the_changed_constituent():
    """More Wi-Fi SSIDs on a site bundle: Wi-Fi is modified, internet and voice noChange."""
    env, net, sb, om, log = _manager()
    product = _provide(env, om, net, SITE)
    activated = len(sb.activated)
    order = _submit(om, ProductOrderItem("1", Action.MODIFY, SITE, product.place,
                                         {"ssids": 4}, product_id=product.id))
    env.run()
    assert order.state is State.COMPLETED
    assert order.items[0].unchanged == ("CFS_InternetAccess", "CFS_Voice")
    [wifi] = order.service_order.items
    assert wifi.cfs == "CFS_WifiManagement"
    assert [r.rfs for r in wifi.resource_order.items] == ["RFS_WifiProfile"]
    assert len(sb.activated) == activated + 1 and product.characteristics["ssids"] == 4


def test_modify_of_unconfigured_characteristic_is_rejected():
    """A characteristic no RFS configures cannot be modified: the order is rejected."""
    env, net, sb, om, log = _manager()
    product = _provide(env, om, net, HOME)
    order = _submit(om, ProductOrderItem("1", Action.MODIFY, HOME, product.place,
                                         {"colour": "red"}, product_id=product.id))
    env.run()
    assert order.state is State.REJECTED and "colour" in order.state_reason


def test_suspend_and_resume_keep_resources():
    """Suspend and resume change product and service state; resources stay allocated."""
    env, net, sb, om, log = _manager()
    product = _provide(env, om, net, HOME)
    before, activated = _snapshot(om), len(sb.activated)
    suspend = _submit(om, ProductOrderItem("1", Action.MODIFY, HOME, product.place,
                                           product_id=product.id, product_status="suspended"))
    env.run()
    assert suspend.state is State.COMPLETED and suspend.order_type == "suspend"
    assert product.status == "suspended"
    assert {s.state for s in om.services.services.values()} == {"inactive"}
    assert _snapshot(om) == before and len(sb.activated) == activated
    resume = _submit(om, ProductOrderItem("1", Action.MODIFY, HOME, product.place,
                                          product_id=product.id, product_status="active"))
    env.run()
    assert resume.state is State.COMPLETED and resume.order_type == "resume"
    assert product.status == "active"
    assert {s.state for s in om.services.services.values()} == {"active"}


def test_move_provides_new_line_then_ceases_old_one():
    """A move is one order: add at the new address, then delete the old product."""
    env, net, sb, om, log = _manager()
    old = _provide(env, om, net, HOME, address=0)
    old_resources = set(om.resources.by_id)
    new_place = net.addresses[1].id
    move = _submit(om, ProductOrderItem("1", Action.ADD, HOME, new_place),
                   ProductOrderItem("2", Action.DELETE, HOME, old.place, product_id=old.id,
                                    after=("1",)))
    env.run()
    assert move.state is State.COMPLETED and move.order_type == "move"
    assert old.status == "terminated"
    [new] = om.products.active()
    assert new.place == new_place and new.billing_start_s is not None
    assert not old_resources & set(om.resources.by_id)
    assert len(om.resources) == 4
    new_line_up = max(e.at_s for e in log if isinstance(e, StateChanged)
                      and e.entity == "serviceOrderItem" and e.new == "completed"
                      and e.correlation_id == f"{move.id}/1")
    delete_started = min(e.at_s for e in log if isinstance(e, StateChanged)
                         and e.entity == "resourceOrderItem" and e.new == "inProgress"
                         and e.correlation_id == f"{move.id}/2")
    assert delete_started >= new_line_up > move.order_date_s  # old line goes last
    billing = [e for e in log if isinstance(e, BillingStarted) and e.order_id == move.id]
    assert [b.product_ids for b in billing] == [(new.id,)]


def test_move_to_unserviceable_address_keeps_the_old_line():
    """If the new address cannot be served, the old product is not ceased."""
    env, net, sb, om, log = _manager()
    old = _provide(env, om, net, HOME)
    move = _submit(om, ProductOrderItem("1", Action.ADD, HOME, net.addresses[-1].id),
                   ProductOrderItem("2", Action.DELETE, HOME, old.place, product_id=old.id,
                                    after=("1",)))
    env.run()
    assert move.state is State.FAILED and old.status == "active"
    assert len(om.resources) == 4


def test_cancel_in_flight_leaks_nothing():
    """cancelProductOrder before the install visit: compensated, nothing held, cancelled."""
    env, net, sb, om, log = _manager()
    order = _submit(om, ProductOrderItem("1", Action.ADD, SITE, net.addresses[0].id))
    env.run(until=3600)  # ONT registered, waiting a day for the technician
    assert len(om.resources) == 1
    request = om.com.cancel(order, "customer changed their mind")
    assert request.accepted and order.state is State.PENDING_CANCELLATION
    env.run()
    assert order.state is State.CANCELLED
    assert order.state_reason == "cancelled: customer changed their mind"
    assert len(om.resources) == 0 and all(p.in_use == 0 for p in net.all_pools())
    assert sb.deactivated  # the ONT registration was removed
    assert not om.products.products and not any(isinstance(e, BillingStarted) for e in log)
    states = [e.new for e in log if isinstance(e, StateChanged)
              and e.entity == "productOrder" and e.id == order.id]
    assert states[-3:] == ["assessingCancellation", "pendingCancellation", "cancelled"]
    assert {i.state for i in order.items} == {State.CANCELLED}
    assert order.service_order.state is State.CANCELLED


def test_cancel_refused_once_technician_is_on_site():
    """Past the point of no return the cancellation is refused and the order completes."""
    env, net, sb, om, log = _manager()
    order = _submit(om, ProductOrderItem("1", Action.ADD, HOME, net.addresses[0].id))
    env.run(until=DAY_S + 600)  # the technician arrived ten minutes ago
    request = om.com.cancel(order, "too slow")
    assert not request.accepted and "technician tech-1 on site" in request.refusal
    assert order.state is State.IN_PROGRESS and order.cancellation is request
    env.run()
    assert order.state is State.COMPLETED and len(om.resources) == 4


def test_cancel_while_awaiting_approval():
    """An order cancelled while pending approval ends cancelled without reaching SOM."""
    catalog = _catalog_with_rule(min_items=2)
    env, net, sb, om, log = _manager(catalog)
    om.com.approvers = ApproverPool(env, om.bus, 1, lambda: 8 * 3600.0, 0.0,
                                    random.Random(1))
    order = _submit(om, *[ProductOrderItem(str(i + 1), Action.ADD, HOME, net.addresses[i].id)
                          for i in range(2)])
    env.run(until=3600)
    assert order.state is State.PENDING
    assert om.com.cancel(order).accepted
    env.run()
    assert order.state is State.CANCELLED and order.service_order is None


def test_amend_before_activation_takes_new_value():
    """An amendment before the BNG is configured reaches the product; after, refused."""
    env, net, sb, om, log = _manager()
    early = _submit(om, ProductOrderItem("1", Action.ADD, HOME, net.addresses[0].id))
    late = _submit(om, ProductOrderItem("1", Action.ADD, HOME, net.addresses[1].id))
    env.run(until=3600)
    assert om.com.amend(early, "1", {"downstream_mbps": 500}).applied
    env.run(until=DAY_S + 7200 + 6)  # late's session is being configured now
    refused = om.com.amend(late, "1", {"downstream_mbps": 500})
    assert not refused.applied and "RFS_SubscriberSession" in refused.refusal
    env.run()
    speeds = {p.place: p.characteristics["downstream_mbps"] for p in om.products.active()}
    assert speeds == {net.addresses[0].id: 500, net.addresses[1].id: 200}


def _catalog_with_rule(**rule):
    import yaml
    raw = yaml.safe_load(CATALOG.read_text())
    raw["approval_rules"] = [{"name": "big order", **rule}]
    return catalog_from_dict(raw, "test catalog")


def test_rejected_approval_rejects_order():
    """An approver's rejection rejects the order with cause approval_rejected."""
    catalog = _catalog_with_rule(min_items=3, segments=["b2c"])
    env, net, sb, om, log = _manager(catalog)
    om.com.approvers = ApproverPool(env, om.bus, 1, lambda: 3600.0, 1.0, random.Random(1))
    big = _submit(om, *[ProductOrderItem(str(i + 1), Action.ADD, HOME, net.addresses[i].id)
                        for i in range(3)])
    small = _submit(om, ProductOrderItem("1", Action.ADD, HOME, net.addresses[4].id))
    env.run()
    assert big.state is State.REJECTED and big.fallout_cause == "approval_rejected"
    assert [e.approved for e in log if isinstance(e, ApprovalDecided)] == [False]
    assert small.state is State.COMPLETED and small.approval is None
    assert len(om.resources) == 4


def test_jeopardy_then_breach_for_a_late_order():
    """An order still open at 80 % of its SLA is in jeopardy; at 100 % it breached."""
    env, net, sb, om, log = _manager()
    sb.delay_s = 20 * DAY_S  # every element takes 20 days: past the 14-day SLA
    order = _submit(om, ProductOrderItem("1", Action.ADD, HOME, net.addresses[0].id))
    site = _submit(om, ProductOrderItem("1", Action.ADD, SITE, net.addresses[1].id))
    env.run(until=15 * DAY_S)
    jeopardy = [(e.order_id, e.at_s / DAY_S) for e in log if isinstance(e, JeopardyRaised)]
    breach = [(e.order_id, e.at_s / DAY_S) for e in log if isinstance(e, SlaBreached)]
    assert jeopardy == [(order.id, pytest.approx(14 * 0.8))]  # the site's SLA is 30 days
    assert breach == [(order.id, 14.0)]
    assert site.state is State.IN_PROGRESS


def test_orders_on_one_product_run_one_after_another():
    """A cease submitted while a modify is in flight waits for it, then runs."""
    env, net, sb, om, log = _manager()
    product = _provide(env, om, net, HOME)
    modify = _submit(om, ProductOrderItem("1", Action.MODIFY, HOME, product.place,
                                          {"downstream_mbps": 1000}, product_id=product.id))
    cease = _submit(om, ProductOrderItem("1", Action.DELETE, HOME, product.place,
                                         product_id=product.id))
    env.run()
    assert modify.state is State.COMPLETED and cease.state is State.COMPLETED
    assert modify.completion_date_s <= cease.completion_date_s
    assert len(om.resources) == 0


def test_cancel_while_held_in_fallout_queue_releases_everything():
    """An item waiting in the fallout work queue is stopped by a cancellation at once."""
    from om.fallout import FalloutQueue

    env, net, sb, om, log = _manager(
        verdict=lambda i: FalloutCause.ELEMENT_ERROR if i.rfs == "RFS_GponAccess" else None,
        fallout_queue=lambda env, bus: FalloutQueue(env, bus, 1, lambda: 3 * DAY_S, 1.0,
                                                    random.Random(1)))
    order = _submit(om, ProductOrderItem("1", Action.ADD, HOME, net.addresses[0].id))
    env.run(until=3600)
    ont = order.service_order.items[0].resource_order.items[0]
    assert ont.state is State.HELD and len(om.resources) == 1
    assert om.com.cancel(order, "found another provider").accepted
    env.run(until=3600 + 60)  # not the three days the engineer would have taken
    assert order.state is State.CANCELLED and ont.state is State.CANCELLED
    assert len(om.resources) == 0 and all(p.in_use == 0 for p in net.all_pools())
