"""Parameter sweeps: run a scenario over a grid of overrides, each point with
replications, and write the table (CSV + JSON) and a plot of chosen metrics.

An :class:`Axis` is a dotted scenario path and its values (the command line's ``--set
workforce.technicians=10,20,30``); several axes give their Cartesian product. Every
replication of every point is one job, so the whole grid runs in parallel on the same
executor as ``omsim run``.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from om import OmsimError
from sim.experiments.executors import Executor, Job, Progress, Runner, check_counts, run_jobs
from sim.experiments.replicate import Replications
from sim.scenario.load import OverrideError, load_scenario

DEFAULT_METRICS = ("fallout.rate", "cycle_time_hours.p90", "flow_through_rate",
                   "utilisation.workforce.busy_share")


@dataclass(frozen=True)
class Axis:
    """One swept parameter: a dotted scenario path and the values it takes."""

    path: str
    values: tuple[Any, ...]


def grid(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    """Every combination of the axes' values, first axis slowest."""
    return [dict(zip([a.path for a in axes], combo, strict=True))
            for combo in itertools.product(*(a.values for a in axes))]


def run_sweep(scenario_path: Path, axes: Sequence[Axis], replications: int, *,
              workers: int | None = None, executor: Executor | Runner = "local",
              scheduler: str | None = None, progress: Progress | None = None
              ) -> list[Replications]:
    """Run every grid point with ``replications`` replications; one result per point."""
    check_counts(replications, workers)
    points = grid(axes)
    scenarios = []
    for overrides in points:
        try:
            scenarios.append(load_scenario(scenario_path, overrides))
        except OverrideError:
            raise  # a path that leads nowhere does so at every point
        except OmsimError as exc:
            where = ", ".join(f"{k}={v}" for k, v in overrides.items())
            raise OmsimError(f"sweep point {where}: {exc}") from None
    jobs = [Job(s, s.seed, r) for s in scenarios for r in range(replications)]
    reports = run_jobs(jobs, workers=workers, executor=executor, scheduler=scheduler,
                       progress=progress)
    return [Replications(s.name, s.seed, reports[i * replications:(i + 1) * replications],
                         overrides=overrides)
            for i, (s, overrides) in enumerate(zip(scenarios, points, strict=True))]


def write_sweep(out_dir: Path, axes: Sequence[Axis], results: Sequence[Replications],
                metrics: Sequence[str] = DEFAULT_METRICS) -> dict[str, Path]:
    """Write ``sweep.csv``, ``sweep.json`` and ``sweep.png`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    known = set(results[0].summary.flat())
    for m in metrics:
        if m not in known:
            raise OmsimError(f"metric {m}: not a metric of the report (e.g. "
                             f"{', '.join(DEFAULT_METRICS)})")
    params = [a.path for a in axes]
    all_metrics = sorted(set().union(*(r.summary.flat() for r in results)))
    rows = []
    for r in results:
        flat = r.summary.flat()
        row: dict[str, Any] = dict(r.overrides)
        row["replications"] = len(r.reports)
        for m in all_metrics:
            e = flat.get(m)
            row[f"{m}.mean"] = e.mean if e else 0.0
            row[f"{m}.ci95_low"] = e.low if e else 0.0
            row[f"{m}.ci95_high"] = e.high if e else 0.0
        rows.append(row)
    paths = {"csv": out_dir / "sweep.csv", "json": out_dir / "sweep.json",
             "png": out_dir / "sweep.png"}
    with paths["csv"].open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    paths["json"].write_text(json.dumps(
        {"scenario": results[0].scenario, "parameters": params,
         "points": [{"overrides": r.overrides, "replications": len(r.reports),
                     "metrics": r.summary.as_dict()} for r in results]}, indent=1) + "\n")
    plot_sweep(paths["png"], axes, results, metrics)
    return paths


def plot_sweep(path: Path, axes: Sequence[Axis], results: Sequence[Replications],
               metrics: Sequence[str]) -> None:
    """One panel per metric: mean and 95 % CI against the first axis, one line per
    combination of the other axes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_axis, others = axes[0], axes[1:]
    fig, panels = plt.subplots(len(metrics), 1, figsize=(7, 2.6 * len(metrics)),
                               squeeze=False)
    numeric_x = all(isinstance(v, int | float) for v in x_axis.values)
    for ax, metric in zip(panels[:, 0], metrics, strict=True):
        lines: dict[str, list[tuple[Any, Any]]] = {}
        for r in results:
            label = ", ".join(f"{a.path}={r.overrides[a.path]}" for a in others)
            lines.setdefault(label, []).append((r.overrides[x_axis.path], r.summary[metric]))
        for label, pts in lines.items():
            xs = [p[0] if numeric_x else str(p[0]) for p in pts]
            means = [p[1].mean for p in pts]
            errs = [[p[1].mean - p[1].low for p in pts], [p[1].high - p[1].mean for p in pts]]
            ax.errorbar(xs, means, yerr=errs, marker="o", capsize=3, label=label or None)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        if others:
            ax.legend(fontsize="small")
    panels[-1, 0].set_xlabel(x_axis.path)
    fig.suptitle(f"{results[0].scenario}: mean and 95 % CI per point")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
