"""Regions run apart (issue 15 target 3): a ``partition: regions`` scenario run region by
region in two worker processes, its figures merged, reports exactly what the whole
scenario run in one process with the same seed reports; a scenario whose regions share
something is refused naming it; a bad combination on the command line is one error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from network_model import NetworkSize, generate_network
from om import ScenarioError
from sim.cli import main
from sim.experiments.executors import InProcess
from sim.experiments.partitioned import run_partitioned
from sim.measure.ledger import OrderLedger
from sim.run.harness import build_run, run_scenario
from sim.run.regions import region_names
from sim.scenario.load import load_scenario, scenario_from_dict
from sim.units import DAY_S
from tests.conftest import REPO

SCENARIO = REPO / "scenarios" / "two_regions.yaml"
SHORT = {"duration_days": 6, "warmup_days": 1}  # about 1,500 orders: a few seconds
# Faults on one region's elements, links, pools and crew, and on every element of a kind.
FAULTS = [
    {"kind": "element_outage", "element": "bng:BNG01", "from_days": 2.0, "until_days": 2.5},
    {"kind": "link_cut", "link": ["EX02", "BNG02"], "from_days": 3.0, "until_days": 3.3},
    {"kind": "element_errors", "element_kind": "olt", "rate": 0.2, "from_days": 1.0,
     "until_days": 4.0},
    {"kind": "lost_answers", "element_kind": "dhcp", "rate": 0.1, "from_days": 1.5,
     "until_days": 3.0},
    {"kind": "workforce_absence", "region": "R01", "technicians": 20, "from_days": 2.0,
     "until_days": 4.0},
    {"kind": "pool_limit", "pool": "ipv4_address", "at": "BNG02", "limit": 200,
     "from_days": 1.0},
]


def test_merged_report_equals_the_single_process_report():
    """Every figure of the report, percentiles and histograms included, is the same
    whether the two regions ran in one SimPy environment or each in a process of its
    own. ``sim.events`` differs honestly: each region's run also steps its own hourly
    sampler and the other region's idle crew timers, so the regions' events add up to
    more than the one run's; ``sim.wall_seconds`` is wall time. The fault timeline acts on
    each region's own elements, links, pools and crew, in every region's run."""
    scenario = load_scenario(SCENARIO, {**SHORT, "faults": FAULTS})
    single = run_scenario(scenario).data
    merged = run_partitioned(scenario, workers=2)[0].data
    crews = single["utilisation"]["workforce"]["by_crew"]
    assert set(crews) == {"workforce:R01", "workforce:R02"}
    assert all(crew["jobs_done"] > 50 for crew in crews.values()), crews  # both have traffic
    assert single["cancellations"]["requested"] > 0
    assert {"element_unreachable", "element_error", "resource_exhausted"} <= set(
        single["fallout"]["by_cause"])  # the faults struck

    def without_clocks(report: dict[str, Any]) -> dict[str, Any]:
        sim = {k: v for k, v in report["sim"].items() if k not in ("events", "wall_seconds")}
        return {**report, "sim": sim}

    assert without_clocks(merged) == without_clocks(single)
    assert merged["sim"]["events"] >= single["sim"]["events"]


def test_what_is_refused_does_couple_the_regions(monkeypatch):
    """The check is not for show: with ROM's backoff jitter on (one random stream for
    every region) and the check bypassed, the single-process run and the regions' runs
    draw the jitter in different orders and their reports differ."""
    monkeypatch.setattr("sim.scenario.load.check_partition", lambda *args: None)
    scenario = load_scenario(SCENARIO, {**SHORT, "elements.bng.retry.jitter": 0.2,
                                        "elements.bng.error_rate": 0.2})
    single = run_scenario(scenario).data
    merged = run_partitioned(scenario, workers=1)[0].data
    assert merged["orders"]["submitted"] == single["orders"]["submitted"]  # same traffic
    assert merged["cycle_time_hours"] != single["cycle_time_hours"]


def test_each_replication_merges_its_own_regions():
    """With replications, replication r's report is merged from replication r's regions
    (a job per region and replication): it equals replication r run in one process."""
    scenario = load_scenario(SCENARIO, {"duration_days": 3, "warmup_days": 1})
    merged = run_partitioned(scenario, replications=2, executor=InProcess())
    single = run_scenario(scenario, replication=1).data
    assert [r.data["replication"] for r in merged] == [0, 1]
    assert merged[1].data["orders"] == single["orders"] != merged[0].data["orders"]
    assert merged[1].data["cycle_time_hours"] == single["cycle_time_hours"]


def test_ledgers_merge_in_submission_order():
    """Rows of two regions' ledgers interleave by submission time, each keeping its
    names (the codes of one run are not the other's)."""
    a, b = OrderLedger(), OrderLedger()
    a.add("PO-1", "Home", "provide", "Home", 1.0)
    a.add("PO-2", "Business", "modify", "Business", 3.0)
    b.add("PO-1", "Business", "provide", "Business", 2.0)
    b.end("PO-1", "completed", 5.0)
    merged = OrderLedger.merged([a, b])
    c = merged.columns()
    assert c.submitted_s.tolist() == [1.0, 2.0, 3.0]
    assert [merged.labels.names[code] for code in c.label] == ["Home", "Business", "Business"]
    assert [merged.order_types.names[code] for code in c.order_type] == [
        "provide", "provide", "modify"]
    assert c.completed.tolist() == [False, True, False]


@pytest.mark.parametrize(("exchanges", "regions"), [(3, 2), (1, 3), (4, 4)])
def test_region_names_are_the_generated_networks(exchanges, regions):
    """The jobs of a partitioned run are the regions the network has exchanges in."""
    size = NetworkSize(exchanges=exchanges, regions=regions, olts_per_exchange=1,
                       line_cards_per_olt=1, pon_ports_per_line_card=1, bngs=regions)
    assert region_names(size) == generate_network(size, 1).regions


def _two_regions(**changes: Any) -> dict[str, Any]:
    raw = yaml.safe_load(SCENARIO.read_text())
    for dotted, value in changes.items():
        *keys, last = dotted.split("__")
        node = raw
        for key in keys:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        node[last] = value
    return raw


@pytest.mark.parametrize(("changes", "named"), [
    ({"network__bngs": 1}, "partition: regions: BNG BNG01 serves regions R01 and R02"),
    ({"order_management__operations__enabled": True},
     "partition: regions: the fallout queue's 4 operations staff serve every region"),
    ({"approvals": {"approvers": 3}}, "partition: regions: the 3 approvers serve every"),
    ({"arrivals__1__offering": "Enterprise Connect Site"},
     "partition: regions: element voice_platform is one platform serving every region "
     "(arrivals.1: 'Enterprise Connect Site' needs RFS_VoiceLine)"),
    ({"elements__bng__retry__jitter": 0.1},
     "partition: regions: elements.bng.retry.jitter: 0.1: ROM draws every backoff's"),
    ({"arrivals__0__sites": 3}, "partition: regions: arrivals.0.sites: 3: a bulk order's"),
    ({"faults": [{"kind": "inventory_drift", "pool": "ont_id", "share": 0.1}]},
     "partition: regions: faults.0: inventory drift draws the slots it takes from one"),
])
def test_a_shared_thing_is_refused_by_name(changes, named):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(_two_regions(**changes), "two.yaml", SCENARIO.parent)
    assert str(caught.value).startswith("two.yaml: " + named), str(caught.value)


def test_without_partition_the_same_scenario_loads():
    """What is refused is the claim that the regions share nothing, not the scenario."""
    raw = _two_regions(network__bngs=1)
    del raw["partition"]
    assert scenario_from_dict(raw, "two.yaml", SCENARIO.parent).partition is None


def _one_error_line(capsys: pytest.CaptureFixture[str], rc: int, fragment: str) -> None:
    out, err = capsys.readouterr()
    assert rc == 2 and "Traceback" not in out + err, out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err


def test_cli_refuses_a_trace_of_a_partitioned_run(capsys, tmp_path: Path):
    rc = main(["run", str(SCENARIO), "--partition", "regions", "--trace",
               "--out", str(tmp_path / "r.json")])
    _one_error_line(capsys, rc, "--partition regions with --trace")
    assert not (tmp_path / "r.json").exists()


def test_cli_refuses_partitioning_an_undeclared_scenario(capsys, tmp_path: Path):
    rc = main(["run", str(REPO / "scenarios" / "baseline.yaml"), "--partition", "regions",
               "--out", str(tmp_path / "r.json"), "--quiet"])
    _one_error_line(capsys, rc, "does not declare 'partition: regions'")


def test_the_regions_orders_are_told_to_whoever_listens_on_the_runs_channel():
    """Live mode (omsim serve --background-arrivals) hears of background orders by putting
    its own listener on the run's channel; in a partitioned scenario each region submits
    through a channel of its own, and every one of their orders must reach it too."""
    scenario = load_scenario(SCENARIO, {"duration_days": 1, "warmup_days": 0})
    run = build_run(scenario, arrivals=True)
    heard: list[str] = []
    run.channel.on_submit = lambda order, label: heard.append(order.id)
    run.env.run(until=scenario.duration_days * DAY_S)
    alone = build_run(scenario, arrivals=True)  # the same run, heard by its metrics
    alone.env.run(until=scenario.duration_days * DAY_S)
    assert len(heard) == len(alone.metrics.orders) > 100
