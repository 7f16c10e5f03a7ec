"""Replications: run one scenario N times with independent random streams, in parallel
(:mod:`sim.experiments.executors`), and summarise every numeric metric of the report
with its mean, standard deviation and 95 % confidence interval.

Replication r of a scenario keeps the scenario's seed and varies ``replication``;
:func:`sim.rng.stream` derives every component's generator from (seed, replication,
name), so replication r is the same run on any machine and under any executor, and the
summary is identical whichever ran them. A run directory (``omsim run --out-dir``) holds
the summary and every replication's report.

Time-based metrics already skip the warm-up in the report itself
(:mod:`sim.measure.metrics`); the summary only aggregates.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from om.errors import ReportError
from sim.experiments.executors import (
    Executor,
    Job,
    Progress,
    Runner,
    check_counts,
    run_jobs,
)
from sim.files import read_json_object
from sim.measure.proportions import estimate
from sim.scenario.load import check_seed
from sim.scenario.schema import Scenario
from sim.stats.estimates import Estimate

# Report fields that describe the run rather than measure it, or that vary with the
# machine (wall time): left out of the summary so it is executor-independent.
_NOT_METRICS = {"seed", "replication", "sim.wall_seconds", "sim.duration_days",
                "sim.warmup_days"}


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
        # Proportions get Wilson's interval, inside [0, 1] (sim.measure.proportions).
        return cls({path: estimate(path, v, level) for path, v in values.items()})

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
