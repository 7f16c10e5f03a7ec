"""Regions across processes (issue 15 target 3): scenarios/two_regions.yaml (40 days,
about 11,500 orders in two regions that share nothing) run whole in one process, then
region by region on one process and on two, the regions' figures merged. Wall time
throughout; the target is the speed-up of two processes over the whole run in one
process (1.6x on two cores). Every round checks that the merged report is the single
process's (sim.events and wall time aside)."""

from __future__ import annotations

import time
from typing import Any

from workloads import REPO, each_round

from sim.experiments.partitioned import run_partitioned
from sim.run.harness import run_scenario
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

SCENARIO = REPO / "scenarios" / "two_regions.yaml"
_SINGLE: dict[str, Any] = {}  # the single-process report, for the partitioned rounds


def _scenario() -> Scenario:
    return load_scenario(SCENARIO)


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "sim"}


def _timed(run: Any) -> float:
    started = time.perf_counter()
    report = run()
    wall_s = time.perf_counter() - started
    if _SINGLE:
        assert _figures(report) == _SINGLE["figures"], "merged report differs"
    else:
        _SINGLE["figures"] = _figures(report)
        _SINGLE["orders"] = report["orders"]["submitted"]
    return wall_s


def bench_partition_single_process(benchmark, figures):
    """The whole scenario in one SimPy environment (omsim run without --partition)."""
    scenario = _scenario()
    figures["partition.single.wall_s"] = each_round(
        benchmark, lambda: _timed(lambda: run_scenario(scenario).data))
    figures["partition.orders"] = _SINGLE["orders"]


def bench_partition_one_process(benchmark, figures):
    """Region by region in this process, merged (--partition regions --workers 1)."""
    scenario = _scenario()
    figures["partition.1.wall_s"] = each_round(
        benchmark, lambda: _timed(lambda: run_partitioned(scenario, workers=1)[0].data))


def bench_partition_two_processes(benchmark, figures):
    """Each region in a worker process of its own, merged (--partition regions
    --workers 2)."""
    scenario = _scenario()
    figures["partition.2.wall_s"] = each_round(
        benchmark, lambda: _timed(lambda: run_partitioned(scenario, workers=2)[0].data))
