"""``omsim run --partition regions``: each region of a ``partition: regions`` scenario in
a process (or dask worker) of its own, on the runners replications use
(:mod:`sim.experiments.executors`), and the regions' figures merged into one report per
replication (:mod:`sim.run.partition`), equal to the single-process run's.
"""

from __future__ import annotations

import time

from om.errors import UsageError
from sim.experiments.executors import Executor, Progress, Runner, check_counts, run_jobs
from sim.run.harness import RunReport
from sim.run.partition import merge_parts, region_jobs, run_region
from sim.scenario.schema import Scenario


def run_partitioned(scenario: Scenario, *, seed: int | None = None, replications: int = 1,
                    workers: int | None = None, executor: Executor | Runner = "local",
                    scheduler: str | None = None, progress: Progress | None = None
                    ) -> list[RunReport]:
    """Run replications 0 .. ``replications``-1 of ``scenario`` region by region, each
    region a job of ``executor`` (``workers`` local processes by default, one per
    CPU), and return each replication's merged report. ``sim.wall_seconds`` is the
    wall time of all the jobs."""
    if scenario.partition != "regions":
        raise UsageError(f"--partition regions: {scenario._source} does not declare "
                         f"'partition: regions' (its regions are not checked to share "
                         f"nothing)")
    check_counts(replications, workers)
    seed = scenario.seed if seed is None else seed
    jobs = [job for r in range(replications) for job in region_jobs(scenario, seed, r)]
    per_replication = len(jobs) // replications
    started = time.perf_counter()
    parts = run_jobs(jobs, workers=workers, executor=executor, scheduler=scheduler,
                     progress=progress, fn=run_region)
    wall_s = time.perf_counter() - started
    return [merge_parts(scenario, seed, r,
                        parts[r * per_replication:(r + 1) * per_replication], wall_s)
            for r in range(replications)]
