"""Partner gateways (issue 17): the catalog hands an RFS to a partner, om's gateway places
and follows the partner's order (correlated both ways), maps the partner's states and
errors onto fallout causes, and cancels the partner's order with ours; sim emulates the
partners (lead times, failures, a backlog, no return past a point)."""

from __future__ import annotations

import copy
import io

import pytest
import simpy
from rich.console import Console

from network_model import NetworkSize, generate_network
from om import Action, CatalogError, ProductOrderItem, State
from om.catalog import catalog_from_dict
from om.config_files import read_yaml
from om.partners import PartnerRequest
from sim.elements.partner import EmulatedPartner
from sim.report.trace import render
from sim.rng import stream
from sim.run.harness import build_run
from sim.scenario.load import scenario_from_dict
from sim.scenario.partners import PartnerSettings
from sim.units import DAY_S
from tests.conftest import REPO, SCENARIOS, small_dict

GATEWAYS_CATALOG = SCENARIOS / "catalog_gateways.yaml"
HOME = "SuperFibre 200 Home"


def _catalog_with(**rfs_changes):
    raw = copy.deepcopy(read_yaml(GATEWAYS_CATALOG, "catalog", CatalogError))
    raw["resource_facing_services"]["RFS_CpeDelivery"].update(rfs_changes)
    return catalog_from_dict(raw, "c.yaml")


def test_catalog_says_which_rfs_a_partner_fulfils_and_what_off_net_means():
    catalog = catalog_from_dict(read_yaml(GATEWAYS_CATALOG, "catalog", CatalogError))
    assert catalog.partners() == ["courier", "wholesale"]
    assert "courier" not in catalog.element_kinds()
    access = catalog.cfs["CFS_InternetAccess"]
    assert [s.name for s in access.rfs_at(off_net=True)] == ["RFS_WholesaleAccess",
                                                             "RFS_CpeDelivery"]
    assert access.rfs_at(off_net=False)[1].partner == "courier"
    assert catalog.offerings[HOME].serves_off_net
    with pytest.raises(CatalogError, match="RFS_CpeDelivery: give either 'element'"):
        _catalog_with(element="olt")
    with pytest.raises(CatalogError, match="RFS_CpeDelivery.resources: a partner's RFS"):
        _catalog_with(resources=["ont_id"])


def test_off_net_share_adds_addresses_and_leaves_the_rest_alone():
    """A tenth of the database off-net; the on-net network is the one the seed made."""
    size = dict(exchanges=1, olts_per_exchange=1, line_cards_per_olt=2,
                pon_ports_per_line_card=4, unserviceable_addresses=5)
    before = generate_network(NetworkSize(**size), 3)
    after = generate_network(NetworkSize(**size, off_net_share=0.1), 3)
    off = [a for a in after.addresses if a.off_net]
    assert len(off) == round(0.1 * len(after.addresses))
    assert [str(a) for a in after.addresses[:len(before.addresses)]] == \
        [str(a) for a in before.addresses]
    assert all(a.port is None and after.off_net(a.id) for a in off)


def _partner(env, **settings):
    return EmulatedPartner(env, "courier", PartnerSettings(**settings), stream(1, 0, "p"))


def test_partner_submission_is_idempotent_and_cancellation_has_a_point_of_no_return():
    env = simpy.Environment()
    partner = _partner(env, lead_days={"dist": "uniform", "low": 2, "high": 2},
                       no_return_share=0.5)
    ask = PartnerRequest("RO-1/2", "RO-1/2#1", "PO-1/1", "RFS_CpeDelivery", "ADDR1")
    first, again = partner.submit(ask), partner.submit(ask)  # a retry of the same request
    env.run(until=10)
    assert first.value.partner_order_id == again.value.partner_order_id
    assert len(partner.orders) == 1
    order = partner.orders[first.value.partner_order_id]
    assert order.request.external_id == "RO-1/2"  # the correlation back to our item
    env.run(until=1.5 * DAY_S)  # past half the lead time: the parcel has left
    refused = partner.cancel(order.id)
    env.run(until=1.5 * DAY_S + 10)
    assert refused.value is False
    env.run()
    assert order.state == "completed"
    early = partner.submit(PartnerRequest("RO-2/2", "RO-2/2#1", "PO-2/1", "R", "A"))
    env.run(until=env.now + 10)
    accepted = partner.cancel(early.value.partner_order_id)
    env.run()
    assert accepted.value is True
    assert partner.orders[early.value.partner_order_id].state == "cancelled"


def _tiny_run(**partners):
    """A small network, a tenth off-net, both partners quick; no traffic of its own."""
    raw = small_dict(catalog=str(GATEWAYS_CATALOG), duration_days=30, warmup_days=0,
                     arrivals=[{"offering": HOME, "at_day": 29.9}],
                     partners={"courier": {"lead_days": {"dist": "uniform", "low": 1,
                                                         "high": 1}},
                               "wholesale": {"lead_days": {"dist": "uniform", "low": 4,
                                                           "high": 4},
                                             "no_return_share": 0.5}, **partners})
    raw["network"] = {**raw["network"], "off_net_share": 0.1}
    run = build_run(scenario_from_dict(raw, "tiny.yaml", REPO), trace=True)
    off_net = next(a.id for a in run.om.network.addresses if a.off_net)
    return run, off_net


def test_off_net_provide_completes_through_the_wholesale_partner_correlated_both_ways():
    run, place = _tiny_run()
    order = run.om.com.new_order([ProductOrderItem("1", Action.ADD, HOME, place)], "Ada")
    run.trace.track(order)
    run.om.submit(order)
    run.env.run(until=10 * DAY_S)
    assert order.state is State.COMPLETED
    items = order.items[0].service_items[0].resource_order.items
    assert [i.rfs for i in items] == ["RFS_WholesaleAccess", "RFS_CpeDelivery"]
    wholesale = run.emulated.partners["wholesale"]
    (theirs,) = wholesale.orders.values()
    assert theirs.request.external_id == items[0].key  # the partner knows our item
    tree = run.trace.tree(order)
    line = tree["items"][0]["services"][0]["resource_order"]["items"][0]
    assert list(line["partner"]["orders"]) == [theirs.id]  # and we know theirs
    assert [s for s, _, _ in line["partner"]["orders"][theirs.id]] == ["acknowledged",
                                                                       "completed"]
    assert line["target"] == "partner:wholesale"
    console = Console(record=True, width=250, file=io.StringIO())
    console.print(render(tree))
    text = console.export_text()
    assert f"partner order {theirs.id} at wholesale (externalId {items[0].key})" in text


def test_a_cancelled_order_cancels_its_partner_order():
    run, place = _tiny_run()
    order = run.om.com.new_order([ProductOrderItem("1", Action.ADD, HOME, place)], "Ada")
    run.om.submit(order)
    run.env.run(until=1 * DAY_S)  # the wholesale line is a quarter done
    assert run.om.com.cancel(order, "moved away").accepted
    run.env.run(until=10 * DAY_S)
    assert order.state is State.CANCELLED
    (theirs,) = run.emulated.partners["wholesale"].orders.values()
    assert theirs.state == "cancelled"


@pytest.mark.parametrize(("settings", "cause"), [
    ({"rejections": {"address_unknown": 1.0}}, "partner_rejected"),
    ({"failures": {"lost": 1.0}}, "delivery_failed"),
    ({"capacity": 1, "lead_days": {"dist": "uniform", "low": 1, "high": 1}},
     "partner_rejected"),
])
def test_partner_errors_are_fallout_in_the_partner_layer(settings, cause):
    run, place = _tiny_run(courier=settings)
    on_net = run.om.network.addresses[0].id
    orders = [run.om.com.new_order([ProductOrderItem("1", Action.ADD, HOME, p)], "Ada")
              for p in (on_net, run.om.network.addresses[1].id)]
    for order in orders:
        run.trace.track(order)
        run.om.submit(order)
    run.env.run(until=10 * DAY_S)
    fallout = [run.trace.tree(o)["fallout"] for o in orders]
    assert any(f is not None and f["cause"] == cause and f["layer"] == "partner"
               for f in fallout), fallout
