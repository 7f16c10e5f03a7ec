"""Order histories: what ``omsim export`` writes (TMF622 ProductOrder documents with the
fallout and visits), and reading them back or from a CSV, with errors naming the line
and the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from om.tmf_specs import validate_body
from sim.cli import main
from sim.history.export import EPOCH, product_orders
from sim.history.read import read_history
from sim.history.records import HistoryError
from sim.run.harness import run_scenario
from sim.scenario.load import scenario_from_dict
from tests.conftest import REPO, small_dict


@pytest.fixture(scope="module")
def traced() -> dict:
    # Nobody home at one visit in three and an OLT that refuses half its requests:
    # rebooked visits, element errors in ROM, unserviceable addresses in COM.
    raw = small_dict(workforce={"technicians": 12, "no_show_rate": 0.35,
                                "appointment_lead_days": {"dist": "uniform", "low": 0,
                                                          "high": 1}},
                     elements={"olt": {"error_rate": 0.5}})
    return run_scenario(scenario_from_dict(raw, "traced.yaml", REPO), trace=True).data


def test_exported_orders_are_tmf622_product_orders(traced):
    """Every document is a valid TMF622 ProductOrder (extension fields included), one for
    each order submitted after the warm-up, with its dates, state and offering."""
    docs = list(product_orders(traced))
    assert len(docs) == traced["orders"]["measured"]
    for doc in docs:
        assert validate_body("TMF622", "ProductOrder", doc) == [], doc["id"]
    first = docs[0]
    assert first["href"] == f"/tmf-api/productOrderingManagement/v4/productOrder/{first['id']}"
    trace = traced["trace"][first["id"]]
    ordered = datetime.fromisoformat(first["orderDate"].replace("Z", "+00:00"))
    assert (ordered - EPOCH).total_seconds() == pytest.approx(trace["order_date_s"], abs=1e-3)
    assert ordered >= EPOCH.replace(day=2)  # after the one-day warm-up
    assert len(list(product_orders(traced, everything=True))) == traced["orders"]["submitted"]


def test_fallout_and_visits_follow_tmfs_extension_pattern(traced):
    """An order with a fallout says its cause, layer, date and (in ROM) element; an item
    with install visits lists them, nobody-home ones included."""
    docs = list(product_orders(traced, everything=True))
    fell = [d for d in docs if "fallout" in d]
    by_cause = {d["fallout"]["cause"] for d in fell}
    assert {"address_not_found", "element_error"} <= by_cause
    assert len(fell) == sum(traced["fallout"]["by_cause"].values()) + sum(
        1 for t in traced["trace"].values()
        if t["fallout"] and t["order_date_s"] < 86400.0)
    rom = next(d for d in fell if d["fallout"]["layer"] == "ROM")
    assert rom["@type"] == "OmsimProductOrder" and rom["@baseType"] == "ProductOrder"
    assert rom["fallout"]["element"].startswith("olt:")
    visits = [v for d in docs for i in d["productOrderItem"] for v in i.get("installVisit", ())]
    outcomes = {v.get("outcome") for v in visits}
    assert {"installed", "customerNotHome"} <= outcomes
    assert all(v["bookedDate"] <= v["appointmentDate"] for v in visits)


def test_history_read_back_from_the_export(traced, tmp_path):
    """``omsim export`` then reading the file gives one record per order with the same
    dates, offering, type, fallout and visits."""
    report = tmp_path / "report.json"
    report.write_text(json.dumps(traced))
    orders_file = tmp_path / "orders.jsonl"
    assert main(["export", str(report), "--orders", str(orders_file)]) == 0
    orders = read_history(orders_file)
    assert len(orders) == traced["orders"]["measured"]
    completed = [o for o in orders if o.state == "completed"]
    assert completed and all(o.ended is not None and o.ended > o.ordered for o in completed)
    assert {o.order_type for o in orders} == {"provide"}
    assert any(o.items == 4 for o in orders)  # the enterprise orders of 4 sites
    not_home = [v for o in orders for v in o.visits if v.outcome == "not_home"]
    assert not_home and all(v.started is not None for v in not_home)
    assert any(o.fallout and o.fallout.element_kind == "olt" for o in orders)


CSV = """id,order_date,state,offering,order_type,completion_date,fallout_cause,fallout_layer,\
fallout_element,appointment_booked,appointment_date,visit_started,visit_ended,visit_installed,\
visits_not_home
A1,2024-01-01T09:00:00Z,completed,SuperFibre 200 Home,provide,2024-01-04T12:00:00Z,,,,\
2024-01-01T09:00:01Z,2024-01-03T09:00:00Z,2024-01-04T09:00:00Z,2024-01-04T11:30:00Z,true,1
A2,2024-01-01T10:00:00+01:00,failed,SuperFibre 200 Home,provide,2024-01-01T10:00:00+01:00,\
address_not_found,COM,,,,,,,
A3,2024-01-02T08:00:00,inProgress,Business Fibre 1G,cease,,,,,,,,,,
"""


def test_csv_history(tmp_path):
    """The CSV's documented columns: dates with or without an offset (none = UTC),
    empty cells for what did not happen, earlier nobody-home visits as a count."""
    path = tmp_path / "orders.csv"
    path.write_text(CSV)
    a1, a2, a3 = read_history(path)
    assert a1.ended == datetime(2024, 1, 4, 12, tzinfo=UTC)
    assert [v.outcome for v in a1.visits] == ["not_home", "installed"]
    assert a1.visits[1].due == datetime(2024, 1, 3, 9, tzinfo=UTC)
    assert a2.fallout is not None and (a2.fallout.cause, a2.fallout.layer) == (
        "address_not_found", "COM")
    assert a2.ordered == datetime(2024, 1, 1, 9, tzinfo=UTC)
    assert (a3.order_type, a3.open, a3.ordered.tzinfo) == ("cease", True, UTC)


@pytest.mark.parametrize(("name", "text", "message"), [
    ("o.csv", "id,order_date,state\nA,2024-01-01T00:00:00Z,completed\n",
     "o.csv: the header lacks the columns offering, order_type"),
    ("o.csv", CSV.replace("2024-01-02T08:00:00", "yesterday"),
     "o.csv:4: order_date: 'yesterday' is not an ISO 8601 date-time"),
    ("o.csv", CSV.replace(",cease,", ",upgrade,"),
     "o.csv:4: order_type: expected one of provide, modify"),
    ("o.csv", CSV.replace(",true,1", ",yes,1"),
     "o.csv:2: visit_installed: expected true or false, got 'yes'"),
    ("o.jsonl", '{"id": "X"}\n', "o.jsonl:1: productOrderItem: expected a list"),
    ("o.jsonl", "[1, 2]\n", "o.jsonl:1: not a JSON object"),
    ("o.jsonl", '{"productOrderItem": [{"productOffering": {"name": "F"}}], "state": "x", '
                '"orderDate": 3}\n', "o.jsonl:1: orderDate: expected an ISO 8601 date-time"),
    ("o.jsonl", "\n", "o.jsonl: no orders in the history"),
])
def test_bad_histories_name_the_line_and_field(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(HistoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_history(path)


def test_export_needs_a_traced_report(tmp_path, capsys):
    report = tmp_path / "plain.json"
    report.write_text(json.dumps({"sim": {"warmup_days": 0}}))
    assert main(["export", str(report), "--orders", str(tmp_path / "o.jsonl")]) == 2
    assert "no order trace in this report; write one with 'omsim run SCENARIO --trace" in (
        capsys.readouterr().err)
