"""Whole runs with every order type, the bulk enterprise scenario, traces and impact."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from om import ScenarioError
from sim.cli import main
from sim.elements.events import VisitStarted, VisitTaken
from sim.measure.impact import impacted, snapshot
from sim.run.harness import build_run, finish, run_scenario
from sim.scenario.load import load_scenario, scenario_from_dict
from sim.units import DAY_S
from tests.conftest import REPO, SCENARIOS, small_dict

HOME = "SuperFibre 200 Home"
LIFECYCLE = [
    {"offering": HOME, "rate_per_day": 40},
    {"offering": "Business Fibre 1G", "rate_per_day": 5},
    {"offering": "Enterprise Connect Site", "rate_per_day": 0.5, "sites": 4},
    {"offering": HOME, "order_type": "modify", "rate_per_day": 6,
     "characteristics": {"downstream_mbps": 1000}},
    {"offering": HOME, "order_type": "cease", "rate_per_day": 4},
    {"offering": HOME, "order_type": "move", "rate_per_day": 2},
    {"offering": HOME, "order_type": "suspend", "rate_per_day": 3},
    {"offering": HOME, "order_type": "resume", "rate_per_day": 3},
    {"offering": HOME, "order_type": "cancel", "rate_per_day": 3},
    {"offering": HOME, "order_type": "amend", "rate_per_day": 3,
     "characteristics": {"downstream_mbps": 500}},
]


@pytest.fixture(scope="module")
def lifecycle_run():
    raw = small_dict(arrivals=LIFECYCLE, duration_days=8)
    # No-shows too: a cancelled order's visit must never fail into a process nobody waits on.
    raw["workforce"] = {**raw["workforce"], "no_show_rate": 0.1}
    scenario = scenario_from_dict(raw, "lifecycle.yaml", REPO)
    run = build_run(scenario, trace=True)
    run.env.run(until=scenario.duration_days * DAY_S)
    return run, finish(run, scenario, 0.0).data


def test_every_order_type_runs_and_is_conserved(lifecycle_run):
    """Each order type is submitted and ends once; cancellations and amendments happen."""
    run, report = lifecycle_run
    types = report["order_types"]
    assert set(types) >= {"provide", "modify", "cease", "move", "suspend", "resume"}
    for t in types.values():
        assert t["submitted"] == (t["completed"] + t["failed"] + t["partial"]
                                  + t["cancelled"] + t["rejected"] + t["in_flight"])
    assert all(types[k]["completed"] > 0 for k in ("modify", "cease", "move", "suspend"))
    o = report["orders"]
    assert o["submitted"] == sum(t["submitted"] for t in types.values())
    c = report["cancellations"]
    assert c["accepted"] > 0 and c["refused"] > 0 and o["cancelled"] == types["provide"][
        "cancelled"] + sum(t["cancelled"] for k, t in types.items() if k != "provide")
    assert report["amendments"]["applied"] > 0


def test_inventories_match_network_after_every_order_type(lifecycle_run):
    """Resources == inventory, elements hold exactly what is active, closed products
    hold nothing and suspended ones keep theirs, even after ceases, moves and
    cancellations."""
    run, report = lifecycle_run
    om = run.om
    allocated = Counter((p.name, s) for p in om.network.all_pools() for s in p.allocated())
    assert max(allocated.values()) == 1 and set(allocated) == set(om.resources.by_slot)
    for element in run.emulated.elements.values():
        held = {(r.pool.name, r.slot) for r in om.resources.by_id.values()
                if r.element == element.name and r.status == "available"}
        assert set(element.configured) == held
    owners = Counter(r.correlation_id for r in om.resources.by_id.values())
    for product in om.products.products.values():
        if product.status == "terminated":
            assert product.order_item not in owners
            assert all(om.services.services[s].state == "terminated"
                       for s in product.service_ids)
        if product.status == "suspended":  # service off, line kept for the resume
            assert owners[product.order_item] > 0
            assert all(om.services.services[s].state == "inactive"
                       for s in product.service_ids)
    # Both kinds occur (8 days of 4 ceases and 3 suspends a day, 3 resumes: about 40
    # terminated and 8 suspended at the end; none at all would take a broken flow).
    statuses = Counter(p.status for p in om.products.products.values())
    assert statuses["terminated"] > 0 and statuses["suspended"] > 0


def test_modify_changes_only_the_speed(lifecycle_run):
    """Completed modify orders sent exactly one RFS (the BNG session) to ROM, or nothing
    when the product already had the speed (noChange)."""
    run, report = lifecycle_run
    modifies = [t for t in report["trace"].values() if t["type"] == "modify"
                and t["state"] == "completed"]
    changed = [t for t in modifies if t["items"][0]["services"]]
    assert changed and len(changed) < len(modifies)  # some hit an already upgraded line
    for tree in changed:
        [item] = tree["items"]
        [service] = item["services"]
        assert service["action"] == "modify"
        assert [(r["rfs"], r["action"]) for r in service["resource_order"]["items"]] == [
            ("RFS_SubscriberSession", "modify")]


def test_trace_and_impact_from_the_report(lifecycle_run, tmp_path, capsys):
    """omsim trace prints an order's three layers; omsim impact lists an OLT's products."""
    run, report = lifecycle_run
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    order_id = next(k for k, t in report["trace"].items() if t["type"] == "move")
    assert main(["trace", order_id, "--report", str(path)]) == 0
    out = capsys.readouterr().out
    assert order_id in out and "RFS_GponAccess" in out and "delete" in out
    olt = next(iter(run.om.network.olts))
    expected = {p["id"] for p in snapshot(run.om, run.om.network) if p["olt"] == olt}
    assert expected and {p["id"] for p in impacted(report["inventory"]["products"], olt)} \
        == expected
    assert main(["impact", olt, "--report", str(path)]) == 0
    assert f"{len(expected):,} products" in capsys.readouterr().out
    assert main(["trace", "PO-999999", "--report", str(path)]) == 2


def test_bulk_enterprise_report_separates_bulk_from_b2c():
    """bulk_enterprise.yaml: the 500-site order's sites and cycle time stand apart, and
    it ends partial (README), its failed sites listed: 2 % of the address database is
    served by no PON port, so about 10 of its 500 sites fail (none would have a chance
    of e**-10)."""
    report = run_scenario(load_scenario(SCENARIOS / "bulk_enterprise.yaml")).data
    [bulk] = report["bulk_orders"]
    assert bulk["sites"] == 500 and bulk["open_sites"] == 0
    assert bulk["completed_sites"] + bulk["failed_sites"] == 500
    assert bulk["completed_sites"] > 400
    assert bulk["state"] == "partial" and bulk["failed_sites"] > 0
    assert len(bulk["failed_site_places"]) == bulk["failed_sites"]
    # Approval (hours), appointments 1 to 5 days out, 500 visits among B2C installs.
    assert bulk["cycle_time_hours"] > 24
    assert report["approvals"]["decided"] == 1  # the large-order rule
    assert report["segments"]["b2c"]["n"] > 1000
    assert report["sla"]["by_offering"][HOME]["attainment"] is not None


@pytest.mark.parametrize(("change", "message"), [
    ({"order_type": "modify"}, "needs the 'characteristics'"),
    ({"order_type": "modify", "characteristics": {"colour": "red"}},
     "arrivals.0.characteristics: colour configured by no RFS"),
    ({"at_day": 2}, "either rate_per_day"),
])
def test_bad_lifecycle_arrivals_are_named(change, message):
    """A bad order-type arrival gets an error naming the field and the reason."""
    arrival = {"offering": HOME, "rate_per_day": 1, **change}
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(small_dict(arrivals=[arrival]), "bad.yaml", REPO)


def test_refused_modify_fails_in_rom_and_keeps_the_line():
    """A BNG that refuses every profile change fails each modify; the lines keep working."""
    arrivals = [{"offering": HOME, "rate_per_day": 40},
                {"offering": HOME, "order_type": "modify", "rate_per_day": 10,
                 "characteristics": {"downstream_mbps": 1000}}]
    raw = small_dict(arrivals=arrivals, duration_days=5,
                     elements={"bng": {"operation_error_rates": {"modify": 1.0}}})
    run = build_run(scenario_from_dict(raw, "refusing.yaml", REPO))
    run.env.run(until=5 * DAY_S)
    report = finish(run, scenario_from_dict(raw, "refusing.yaml", REPO), 0.0).data
    modify = report["order_types"]["modify"]
    assert modify["failed"] > 5 and modify["completed"] == 0
    assert report["fallout"]["by_layer"].get("ROM", 0) > 0
    products = run.om.products.products.values()
    assert all(p.characteristics["downstream_mbps"] == 200 and p.status == "active"
               for p in products)


def test_cancelled_order_gets_no_technician_visit():
    """A visit queued for an order cancelled before it started is dropped by the crew."""
    from om import Action, ProductOrderItem, State

    run = build_run(scenario_from_dict(small_dict(), "quiet.yaml", REPO), arrivals=False)
    om, env = run.om, run.env
    visits: list[VisitTaken | VisitStarted] = []
    om.bus.subscribe(VisitTaken, visits.append)
    om.bus.subscribe(VisitStarted, visits.append)
    place = om.network.serviceable_addresses()[0].id
    order = om.com.new_order([ProductOrderItem("1", Action.ADD, HOME, place)])
    om.submit(order)
    env.run(until=3600)  # before the 08:00 shift: the visit waits in the crew's queue
    assert om.com.cancel(order, "moved away").accepted
    env.run(until=2 * DAY_S)
    assert order.state is State.CANCELLED and len(om.resources) == 0
    # Taken from the queue at 08:00 and dropped: no technician set off.
    assert [type(v) for v in visits] == [VisitTaken]
    assert sum(c.backlog for c in run.emulated.crews.values()) == 0
