"""Replications: run one scenario N times with independent random streams, in parallel,
and summarise every numeric metric of the report with its mean, standard deviation and
95 % confidence interval.

Replication r of a scenario keeps the scenario's seed and varies ``replication``;
``sim.rng.stream`` derives every component's generator from (seed, replication, name),
so replication r is the same run on any machine and under any executor. Jobs run in
local processes (``concurrent.futures``) or on a dask.distributed cluster; both return
the reports in replication order, so the summary is identical whichever ran them
(a :class:`Runner`: one ``map`` each).

Time-based metrics already skip the warm-up in the report itself (``sim.metrics``); the
summary only aggregates.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from om import OmsimError
from om.errors import ReportError, UsageError
from sim.files import read_json_object
from sim.harness import run_scenario
from sim.scenario import Scenario, check_seed
from sim.stats import Estimate, mean_ci

Executor = Literal["local", "dask"]
Progress = Callable[[int, int], None]  # (jobs done, jobs in all)

MAX_REPLICATIONS = 10_000  # the 95 % half-width is then 2 % of a standard deviation
MAX_WORKERS = 1_024  # local processes; more is a typo (and is capped at the jobs anyway)

# Report fields that describe the run rather than measure it, or that vary with the
# machine (wall time): left out of the summary so it is executor-independent.
_NOT_METRICS = {"seed", "replication", "sim.wall_seconds", "sim.duration_days",
                "sim.warmup_days"}


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
    """Where replications run: one ``map`` that yields (index, report) per job as each
    finishes, in any order."""

    def map(self, fn: Callable[[Job], dict[str, Any]], jobs: Sequence[Job]
            ) -> Iterator[tuple[int, dict[str, Any]]]: ...


class InProcess:
    """Runs the jobs one after another in this process."""

    def map(self, fn: Callable[[Job], dict[str, Any]], jobs: Sequence[Job]
            ) -> Iterator[tuple[int, dict[str, Any]]]:
        for index, job in enumerate(jobs):
            yield index, fn(job)


class ProcessPool:
    """Runs the jobs in ``workers`` local processes (``concurrent.futures``)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, fn: Callable[[Job], dict[str, Any]], jobs: Sequence[Job]
            ) -> Iterator[tuple[int, dict[str, Any]]]:
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(fn, job): i for i, job in enumerate(jobs)}
            for future in as_completed(futures):
                yield futures[future], future.result()


class DaskCluster:
    """Submits the jobs to the dask.distributed scheduler at ``scheduler``
    (``tcp://host:port``)."""

    def __init__(self, scheduler: str | None) -> None:
        if not scheduler:
            raise OmsimError("executor 'dask' needs a scheduler: the address of a running "
                             "dask.distributed scheduler, tcp://HOST:PORT")
        self.scheduler = scheduler

    def map(self, fn: Callable[[Job], dict[str, Any]], jobs: Sequence[Job]
            ) -> Iterator[tuple[int, dict[str, Any]]]:
        from distributed import Client
        from distributed import as_completed as dask_completed

        try:
            client = Client(self.scheduler, timeout="10s")
        except OSError as exc:
            raise OmsimError(f"dask scheduler {self.scheduler}: cannot reach it "
                             f"({exc})") from None
        with client:
            # pure=False: identical jobs are still separate replications to dask.
            futures = client.map(fn, list(jobs), pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            for future in dask_completed(futures):
                yield index[future.key], future.result()


def runner_for(executor: Executor, workers: int | None, scheduler: str | None,
               jobs: int) -> Runner:
    """The runner an executor name asks for: local processes (default: one per CPU, at
    most one per job; one runs in this process) or a dask cluster."""
    if executor == "dask":
        return DaskCluster(scheduler)
    if executor == "local":
        workers = min(workers or os.cpu_count() or 1, jobs) or 1
        return InProcess() if workers == 1 else ProcessPool(workers)
    raise OmsimError(f"executor: '{executor}' is not one of local, dask")


def run_jobs(jobs: Sequence[Job], *, workers: int | None = None,
             executor: Executor | Runner = "local", scheduler: str | None = None,
             progress: Progress | None = None) -> list[dict[str, Any]]:
    """Run ``jobs`` and return their reports in the order of ``jobs``.

    ``executor`` is ``"local"`` (``workers`` processes), ``"dask"`` (the scheduler at
    ``scheduler``) or a :class:`Runner` of your own.
    """
    check_counts(1, workers)
    runner = (runner_for(executor, workers, scheduler, len(jobs))
              if isinstance(executor, str) else executor)
    for job in jobs:
        job.scenario.load_catalog()  # ship the parsed catalog; workers may not see the file
    reports: list[dict[str, Any] | None] = [None] * len(jobs)
    for done, (index, report) in enumerate(runner.map(run_job, jobs), 1):
        reports[index] = report
        if progress is not None:
            progress(done, len(jobs))
    return [r for r in reports if r is not None]


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


def check_jobs(replications: int, workers: int | None = None, least: int = 1,
               why: str = "") -> None:
    """The command line's check of ``--replications`` and ``--workers`` (its wording;
    the library's own is :func:`check_counts`)."""
    check_counts(replications, workers, least, why, ("--replications", "--workers"))


# -- the summary ---------------------------------------------------------------------------

def flatten(report: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Every numeric leaf of a report as ``{"dotted.path": value}`` (lists skipped)."""
    out: dict[str, float] = {}
    for key, value in report.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{path}."))
        elif (isinstance(value, int | float) and not isinstance(value, bool)
              and path not in _NOT_METRICS):
            out[path] = float(value)
    return out


def metric_values(reports: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Per metric path, its value in each report, in report order.

    A path missing from some reports (a fallout cause that did not occur in that
    replication) counts as 0 there: every keyed breakdown in the report is a count or
    a share of something that did not happen.
    """
    flat = [flatten(r) for r in reports]
    paths = sorted({p for f in flat for p in f})
    return {p: [f.get(p, 0.0) for f in flat] for p in paths}


class Summary(Mapping[str, Any]):
    """Estimates of every metric, navigable like the report: ``s.fallout.rate.upper``.

    A node is a mapping from key to either a sub-``Summary`` or an :class:`Estimate`;
    ``s["fallout.by_cause.timeout"]`` reaches a leaf by its dotted path, which is the
    way in for keys that are not identifiers (offering names).
    """

    def __init__(self, estimates: Mapping[str, Estimate], prefix: str = "") -> None:
        self._estimates = dict(estimates)
        self._prefix = prefix

    @classmethod
    def of(cls, values: Mapping[str, Sequence[float]], level: float = 0.95) -> Summary:
        return cls({path: mean_ci(v, level) for path, v in values.items()})

    def _children(self) -> dict[str, None]:
        keys: dict[str, None] = {}
        for path in self._estimates:
            if path.startswith(self._prefix):
                rest = path[len(self._prefix):]
                keys[rest.split(".", 1)[0]] = None
        return keys

    def __getitem__(self, key: str) -> Any:
        path = self._prefix + key
        if path in self._estimates:
            return self._estimates[path]
        if any(p.startswith(path + ".") for p in self._estimates):
            return Summary(self._estimates, path + ".")
        known = ", ".join(self._children()) or "(none)"
        raise KeyError(f"no metric '{path}' in the summary; "
                       f"{'under ' + self._prefix.rstrip('.') if self._prefix else 'top level'}"
                       f": {known}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(exc.args[0]) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._children())

    def __len__(self) -> int:
        return len(self._children())

    def flat(self) -> dict[str, Estimate]:
        """Every estimate under this node, by full dotted path."""
        return {p: e for p, e in self._estimates.items() if p.startswith(self._prefix)}

    def as_dict(self) -> dict[str, Any]:
        """Nested JSON: the report's shape with each number replaced by its estimate."""
        out: dict[str, Any] = {}
        for key in self:
            node = self[key]
            out[key] = node.as_dict() if isinstance(node, Summary | Estimate) else node
        return out

    def __repr__(self) -> str:
        return f"<Summary {self._prefix.rstrip('.') or '(top)'}: {', '.join(self)}>"


@dataclass
class Replications:
    """The reports of N replications of one scenario and the summary over them.

    Attribute access falls through to the summary, so ``r.fallout.rate.mean`` works.
    """

    scenario: str
    seed: int
    reports: list[dict[str, Any]]
    wall_seconds: float = 0.0
    overrides: dict[str, Any] = field(default_factory=dict)
    _summary: Summary | None = field(default=None, repr=False)

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            self._summary = Summary.of(self.values())
        return self._summary

    def values(self) -> dict[str, list[float]]:
        return metric_values(self.reports)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.summary, name)

    def __getitem__(self, path: str) -> Any:
        return self.summary[path]

    def summary_json(self) -> dict[str, Any]:
        """The run directory's ``summary.json``: what ran and every metric's estimate."""
        return {"scenario": self.scenario, "seed": self.seed,
                "replications": len(self.reports), "overrides": self.overrides,
                "wall_seconds": round(self.wall_seconds, 3),
                "metrics": self.summary.as_dict()}

    def write(self, run_dir: Path) -> Path:
        """Write a run directory: ``summary.json`` plus ``replications/NNN.json``."""
        reps = run_dir / "replications"
        reps.mkdir(parents=True, exist_ok=True)
        for old in reps.glob("*.json"):
            old.unlink()  # a rerun with fewer replications must not leave stale ones
        for report in self.reports:
            (reps / f"{report['replication']:03d}.json").write_text(
                json.dumps(report, indent=1) + "\n")
        (run_dir / "summary.json").write_text(json.dumps(self.summary_json(), indent=1) + "\n")
        return run_dir


def replicate(scenario: Scenario, replications: int, *, seed: int | None = None,
              workers: int | None = None, executor: Executor | Runner = "local",
              scheduler: str | None = None, progress: Progress | None = None) -> Replications:
    """Run ``replications`` independent replications of ``scenario`` (0 .. N-1)."""
    check_counts(replications, workers)
    check_seed(seed, "seed")
    seed = scenario.seed if seed is None else seed
    jobs = [Job(scenario, seed, r) for r in range(replications)]
    started = time.perf_counter()
    reports = run_jobs(jobs, workers=workers, executor=executor, scheduler=scheduler,
                       progress=progress)
    return Replications(scenario.name, seed, reports, time.perf_counter() - started)


def load_run_dir(run_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read a run directory written by ``omsim run --out-dir``: (summary, reports)."""
    summary_path = run_dir / "summary.json"
    if not summary_path.is_file():
        raise ReportError(f"{run_dir}: not a run directory (no summary.json; write one with "
                          f"'omsim run SCENARIO --replications N --out-dir {run_dir}')")
    summary = read_json_object(summary_path, "run summary")
    reports = []
    for path in sorted((run_dir / "replications").glob("*.json")):
        report = read_json_object(path, "replication report")
        if not isinstance(report.get("sim"), dict):
            raise ReportError(f"{path}: not a report written by 'omsim run' (no 'sim' "
                              f"section)")
        reports.append(report)
    if not reports:
        raise ReportError(f"{run_dir}/replications: no replication reports")
    return summary, reports


@contextmanager
def progress_bar(label: str, quiet: bool = False) -> Iterator[Progress | None]:
    """A rich progress bar on stderr, fed by ``run_jobs``'s callback; None when quiet.

    The bar is transient: it disappears when the work is done, leaving the results.
    """
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
