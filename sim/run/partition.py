"""Regions run apart: one region of a ``partition: regions`` scenario as a run of its own,
and the merge of the regions' figures into the report of the whole.

A region's run builds the whole network (design data, the same for every region) and
runs only that region's traffic (:mod:`sim.run.regions`); its figures are detached from
the run (:meth:`sim.measure.metrics.Metrics.detach`) so they travel back from a worker
process. The merge adds the counts, merges the order ledgers' rows in submission order
and the hourly samples sample by sample, then computes the report with the same code
as one run (:meth:`sim.measure.metrics.Metrics.merged`): every percentile, mean and
histogram comes from the merged data, so the report equals the single-process run's of
the same seed. Only ``sim.events`` differs: it is the sum of the regions' runs, each of
which also steps its own hourly sampler and the idle timers of the other regions' crews;
``sim.wall_seconds`` is the whole partitioned run's.

Order ids are numbered by each run's order manager, so a region's orders have other ids
alone than beside another region; nothing in the report names an order (bulk orders,
whose figures list their ids, and traces are refused for partitioned runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.measure.metrics import Metrics
from sim.run.collector import collector_for_simulation
from sim.run.harness import RunReport, build_run, events_processed, report_of
from sim.run.regions import region_names
from sim.scenario.schema import Scenario
from sim.units import DAY_S


@dataclass(frozen=True)
class RegionJob:
    """One region of one replication to run (picklable: sent to a worker)."""

    scenario: Scenario
    seed: int
    replication: int
    region: str


@dataclass(frozen=True)
class RegionPart:
    """What a region's run sends back: its detached figures and SimPy's event count."""

    region: str
    metrics: Metrics
    events: int


def region_jobs(scenario: Scenario, seed: int | None = None, replication: int = 0
                ) -> list[RegionJob]:
    """One job per region of ``scenario`` (which must declare ``partition: regions``)."""
    if scenario.partition != "regions":
        raise ValueError(f"scenario {scenario.name} does not declare partition: regions")
    seed = scenario.seed if seed is None else seed
    return [RegionJob(scenario, seed, replication, region)
            for region in region_names(scenario.network)]


def run_region(job: RegionJob) -> RegionPart:
    """Run one region's traffic over the whole network to the scenario's end (module
    level: picklable for process pools and dask)."""
    scenario = job.scenario
    run = build_run(scenario, job.seed, job.replication, keep_ended=False,
                    regions=[job.region])
    with collector_for_simulation(bounded=True):
        run.env.run(until=scenario.duration_days * DAY_S)
    run.metrics.detach()
    return RegionPart(job.region, run.metrics, events_processed(run.env))


def merge_parts(scenario: Scenario, seed: int, replication: int,
                parts: Sequence[RegionPart], wall_seconds: float) -> RunReport:
    """The report of the whole scenario from its regions' runs ``parts`` (in region
    order, as :func:`region_jobs` lists them)."""
    metrics = Metrics.merged([p.metrics for p in parts])
    return RunReport(report_of(scenario, seed, replication, sum(p.events for p in parts),
                               wall_seconds, metrics))
