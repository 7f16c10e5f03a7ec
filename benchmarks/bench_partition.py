"""Regions across processes (issue 15 target 3): scenarios/two_regions.yaml (40 days,
about 11,500 orders in two regions that share nothing) run whole in one process, then
region by region on one process and on two, the regions' figures merged. Wall time
throughout; the target is the speed-up of two processes over the whole run in one
process (1.6x on two cores). Every round checks that the merged report is the single
process's (sim.events and wall time aside). In CPU seconds, the whole run against its
slowest region's run says what two free cores would give, whatever the machine's load."""

from __future__ import annotations

import time
from typing import Any

from workloads import REPO, each_round

from sim.experiments.partitioned import run_partitioned
from sim.run.harness import run_scenario
from sim.run.partition import region_jobs, run_region
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

SCENARIO = REPO / "scenarios" / "two_regions.yaml"
_SINGLE: dict[str, Any] = {}  # the single-process report, for the partitioned rounds


def _scenario() -> Scenario:
    return load_scenario(SCENARIO)


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "sim"}


def _timed(run: Any, cpu: list[float] | None = None) -> float:
    started, cpu_started = time.perf_counter(), time.process_time()
    report = run()
    wall_s = time.perf_counter() - started
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    if _SINGLE:
        assert _figures(report) == _SINGLE["figures"], "merged report differs"
    else:
        _SINGLE["figures"] = _figures(report)
        _SINGLE["orders"] = report["orders"]["submitted"]
    return wall_s


def bench_partition_single_process(benchmark, figures):
    """The whole scenario in one SimPy environment (omsim run without --partition)."""
    scenario = _scenario()
    cpu: list[float] = []
    figures["partition.single.wall_s"] = each_round(
        benchmark, lambda: _timed(lambda: run_scenario(scenario).data, cpu))
    figures["partition.single.cpu_s"] = cpu
    figures["partition.orders"] = _SINGLE["orders"]


def bench_partition_one_process(benchmark, figures):
    """Region by region in this process, merged (--partition regions --workers 1)."""
    scenario = _scenario()
    figures["partition.1.wall_s"] = each_round(
        benchmark, lambda: _timed(lambda: run_partitioned(scenario, workers=1)[0].data))


def bench_partition_slowest_region(benchmark, figures):
    """CPU seconds of each region's run, one after the other in this process: the
    slowest bounds the partitioned run on two free cores."""
    scenario = _scenario()

    def slowest() -> float:
        seconds = []
        for job in region_jobs(scenario):
            started = time.process_time()
            run_region(job)
            seconds.append(time.process_time() - started)
        return max(seconds)
    figures["partition.slowest_region.cpu_s"] = each_round(benchmark, slowest)


def bench_partition_two_processes(benchmark, figures):
    """Each region in a worker process of its own, merged (--partition regions
    --workers 2)."""
    scenario = _scenario()
    figures["partition.2.wall_s"] = each_round(
        benchmark, lambda: _timed(lambda: run_partitioned(scenario, workers=2)[0].data))
