"""Where replications run: one job per replication, on a :class:`Runner` with one
``map`` each: in this process, in local processes (``concurrent.futures``) or on a
dask.distributed cluster (a given scheduler's, or a local one started for the jobs, whose
dashboard link is printed). Every runner yields each report with its job's index, and
:func:`run_jobs` puts them back in job order, so results never depend on the runner.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from om import OmsimError
from om.errors import UsageError
from sim.run.harness import run_scenario
from sim.scenario.schema import Scenario

Executor = Literal["local", "dask"]
Progress = Callable[[int, int], None]  # (jobs done, jobs in all)

MAX_REPLICATIONS = 10_000  # the 95 % half-width is then 2 % of a standard deviation
MAX_WORKERS = 1_024  # local processes; more is a typo (and is capped at the jobs anyway)


@dataclass(frozen=True)
class Job:
    """One replication to run: the scenario, its seed and the replication number."""

    scenario: Scenario
    seed: int
    replication: int


def run_job(job: Job) -> dict[str, Any]:
    """Run one replication and return its JSON report (module level: picklable)."""
    return run_scenario(job.scenario, seed=job.seed, replication=job.replication).data


class Runner(Protocol):
    """Where replications run: one ``map`` that yields (index, result) per job as each
    finishes, in any order (a replication's report; or a region's figures, for
    :mod:`sim.experiments.partitioned`)."""

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]
            ) -> Iterator[tuple[int, Any]]: ...


class InProcess:
    """Runs the jobs one after another in this process."""

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]
            ) -> Iterator[tuple[int, Any]]:
        for index, job in enumerate(jobs):
            yield index, fn(job)


class ProcessPool:
    """Runs the jobs in ``workers`` local processes (``concurrent.futures``)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]
            ) -> Iterator[tuple[int, Any]]:
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
            for future in as_completed(futures):
                yield futures[future], future.result()


def _to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class DaskCluster:
    """Submits the jobs to the dask.distributed scheduler at ``scheduler``
    (``tcp://host:port``), or, without one, to a local cluster of ``workers`` processes
    started for them and closed after; ``announce`` is told its dashboard link (stderr
    by default)."""

    def __init__(self, scheduler: str | None, workers: int = 1,
                 announce: Callable[[str], None] = _to_stderr, processes: bool = True
                 ) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self.announce = announce
        self.processes = processes  # False: worker threads in this process (tests)

    def map(self, fn: Callable[[Any], Any], jobs: Sequence[Any]
            ) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed as dask_completed

        with contextlib.ExitStack() as stack:
            client = stack.enter_context(self._client(stack))
            # pure=False: identical jobs are still separate replications to dask.
            futures = client.map(fn, list(jobs), pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            for future in dask_completed(futures):
                yield index[future.key], future.result()

    def _client(self, stack: contextlib.ExitStack) -> Any:
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                return Client(self.scheduler, timeout="10s")
            except OSError as exc:
                raise OmsimError(f"dask scheduler {self.scheduler}: cannot reach it "
                                 f"({exc})") from None
        cluster = stack.enter_context(LocalCluster(
            n_workers=self.workers, threads_per_worker=1, processes=self.processes,
            host="127.0.0.1", protocol="tcp://",
            dashboard_address="127.0.0.1:0"))
        plots = "" if importlib.util.find_spec("bokeh") else " (pip install bokeh for its plots)"
        self.announce(f"dask: a local cluster of {self.workers} worker"
                      f"{'s' if self.workers != 1 else ''} at {cluster.scheduler_address}; "
                      f"dashboard {cluster.dashboard_link}{plots}")
        return Client(cluster)


def runner_for(executor: Executor, workers: int | None, scheduler: str | None,
               jobs: int) -> Runner:
    """The runner an executor name asks for: local processes (default: one per CPU, at
    most one per job; one runs in this process) or a dask cluster (without a scheduler,
    a local one of as many processes)."""
    count = min(workers or os.cpu_count() or 1, jobs) or 1
    if executor == "dask":
        return DaskCluster(scheduler, count)
    if executor == "local":
        return InProcess() if count == 1 else ProcessPool(count)
    raise OmsimError(f"executor: '{executor}' is not one of local, dask")


def run_jobs(jobs: Sequence[Any], *, workers: int | None = None,
             executor: Executor | Runner = "local", scheduler: str | None = None,
             progress: Progress | None = None, fn: Callable[[Any], Any] = run_job
             ) -> list[Any]:
    """Run ``jobs`` through ``fn`` and return the results in the order of ``jobs``:
    by default each a :class:`Job` and its replication's report (a region's run, for
    :mod:`sim.experiments.partitioned`; any job with a ``scenario``, picklable).

    ``executor`` is ``"local"`` (``workers`` processes), ``"dask"`` (the scheduler at
    ``scheduler``) or a :class:`Runner` of your own.
    """
    check_counts(1, workers)
    runner = (runner_for(executor, workers, scheduler, len(jobs))
              if isinstance(executor, str) else executor)
    for job in jobs:
        job.scenario.load_catalog()  # ship the parsed catalog; workers may not see the file
    results: list[Any] = [None] * len(jobs)
    for done, (index, result) in enumerate(runner.map(fn, jobs), 1):
        results[index] = result
        if progress is not None:
            progress(done, len(jobs))
    return [r for r in results if r is not None]


def check_counts(replications: int, workers: int | None = None, least: int = 1,
                 why: str = "", names: tuple[str, str] = ("replications", "workers")) -> None:
    """Raise :class:`UsageError` unless ``replications`` (at least ``least``, for the
    reason ``why``) and ``workers`` are in range; ``names`` are what the errors call
    them. Call it before anything runs."""
    if not least <= replications <= MAX_REPLICATIONS:
        raise UsageError(f"{names[0]} {replications}: must be from {least} to "
                         f"{MAX_REPLICATIONS:,}{why}")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"{names[1]} {workers}: must be from 1 to {MAX_WORKERS:,}")
