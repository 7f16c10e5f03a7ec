"""Replications of the reference scenario on two processes against one: the speed-up
(the target is 1.8x on two cores)."""

from __future__ import annotations

import time

from workloads import each_round, env_int, scaled_scenario

from sim.experiments.executors import Job, run_jobs

JOBS = env_int("OMSIM_BENCH_REPLICATIONS", 4)


def _wall(workers: int) -> float:
    scenario = scaled_scenario(5_556)  # the reference scenario's own rate
    jobs = [Job(scenario, scenario.seed, r) for r in range(JOBS)]
    started = time.perf_counter()
    reports = run_jobs(jobs, workers=workers)
    assert len(reports) == JOBS
    return time.perf_counter() - started


def bench_replications_one_process(benchmark, figures):
    """All replications one after another in this process."""
    figures["replications.jobs"] = JOBS
    figures["replications.1.wall_s"] = each_round(benchmark, lambda: _wall(1))


def bench_replications_two_processes(benchmark, figures):
    """The same replications on a pool of two worker processes."""
    figures["replications.2.wall_s"] = each_round(benchmark, lambda: _wall(2))
