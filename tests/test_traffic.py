"""sim.traffic: one traffic model behind an OrderChannel, for ``omsim run`` and ``omsim drive``.

``tests/data/run_reports_before_traffic_refactor.json`` was made by
``tests/traffictools.py`` at the commit it names, before sim/traffic sent its orders
through a channel. For each shipped scenario it holds the digest of the ``omsim run``
report (as the command writes it, less the wall time) and of the order log (every order
submitted, its customer and items, and every state change at its simulated time). All
nine scenarios matched both when the refactor was made; the three here cover every order
type, bulk and one-shot orders, churn by holding time and the end-of-run drain.

The order log is the traffic and what became of it, whatever the report makes of them:
it must not change unless the simulation is meant to. The report digest also changes
when the report is changed on purpose; then regenerate the file (see traffictools.py)
and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import simpy

from sim.run.harness import build_run, run_scenario
from sim.scenario.load import load_scenario
from sim.traffic.arrivals import Arrivals
from sim.traffic.requests import OrderRequest
from sim.units import DAY_S
from tests.traffictools import ROOT, order_log, report_digest

REFERENCE = json.loads((ROOT / "tests/data/run_reports_before_traffic_refactor.json")
                       .read_text())["reports"]


@pytest.mark.parametrize("name", ["order_lifecycle", "erlang_b_pon_port", "bng_outage"])
def test_run_unchanged_by_the_traffic_refactor(name):
    """Every order type, bulk orders, churn and the drain: the same orders at the same
    moments with the same outcomes, and the same report byte for byte."""
    log = hashlib.sha256()
    with order_log(log):
        report = run_scenario(load_scenario(ROOT / f"scenarios/{name}.yaml")).data
    ref = REFERENCE[name]
    assert report["sim"]["events"] == ref["events"]
    assert log.hexdigest() == ref["orders_sha256"], "the traffic or its outcomes changed"
    assert report["orders"] == ref["orders"]
    assert report["fallout"]["rate"] == ref["fallout_rate"]
    assert report["cycle_time_hours"]["mean"] == ref["cycle_time_mean_hours"]
    assert report_digest(report) == ref["report_sha256"], (
        "same orders, but the report differs: if the report was changed on purpose, "
        "regenerate the reference (tests/traffictools.py)")


class Recorder:
    """An OrderChannel that only records what it is asked (as drive's does before the
    wire), knowing no products and no open orders."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.placed: list[tuple[float, OrderRequest]] = []

    def place(self, request: OrderRequest) -> None:
        self.placed.append((self.env.now, request))

    def cancel(self, order: Any, reason: str) -> None:
        raise AssertionError("no order is open on a recorder")

    def amend(self, order: Any, characteristics: Any) -> None:
        raise AssertionError("no order is open on a recorder")

    def product(self, product_id: str) -> None:
        return None

    def busy(self, product_id: str) -> bool:
        return False

    def open_orders(self, offering: str) -> list[Any]:
        return []

    def on_products_started(self, callback: Any) -> None:
        pass


def test_both_sinks_get_the_same_requests_from_the_same_streams():
    """Replication 1 of the baseline scenario over 3 days: the requests omsim's own order
    manager receives are those another channel receives, at the same moments (sites,
    customers, bulk size, labels): so a drive run sends what a batch run simulates."""
    scenario = load_scenario(ROOT / "scenarios/baseline.yaml")
    run = build_run(scenario, replication=1)
    seen: list[tuple[float, OrderRequest]] = []
    real_place = run.channel.place
    run.channel.place = lambda request: (seen.append((run.env.now, request)),  # type: ignore[method-assign]
                                         real_place(request))[1]
    run.env.run(until=3 * DAY_S)

    env = simpy.Environment()
    recorder = Recorder(env)
    Arrivals(env, recorder, [a.id for a in run.om.network.addresses], scenario,
             scenario.seed, 1)
    env.run(until=3 * DAY_S)
    assert len(seen) > 100
    assert recorder.placed == seen
    assert any(len(r.items) == 20 for _, r in seen) or scenario.arrivals[2].sites == 20
