"""The CI regression gate: a scenario's thresholds and a stored baseline, judged on
replications so that a build fails on a real regression and not on noise.

Thresholds are the scenario's ``thresholds:`` list, k6-style (``fallout.rate < 0.12``).
A threshold fails only when the whole 95 % confidence interval lies past the limit; a
mean past the limit with an interval that still reaches it is *inconclusive* and does
not fail the build (run more replications to decide).

A baseline file (``omsim baseline``) keeps, per scenario, every metric's value in each
replication. ``omsim check --baseline`` runs the scenario again and flags a metric that
got significantly worse under a one-sided Welch t-test. The level is split over the
metrics gated (Bonferroni), so checking five metrics does not multiply false alarms.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from om import OmsimError
from om.errors import ReportError
from sim.experiments.executors import Executor, Progress, Runner
from sim.experiments.replicate import Replications, replicate
from sim.experiments.thresholds import (
    Threshold,
    ThresholdResult,
    evaluate_threshold,
    parse_threshold,
)
from sim.files import read_json_object, write_text
from sim.measure.proportions import estimate
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.stats.estimates import Estimate, welch_worse

BASELINE_FORMAT = 1
ALPHA = 0.05

# Metrics a baseline comparison gates by default, and which way is worse.
HIGHER_IS_WORSE: dict[str, bool] = {
    "fallout.rate": True,
    "cycle_time_hours.mean": True,
    "cycle_time_hours.p90": True,
    "flow_through_rate": False,
    "throughput.completed_per_day": False,
}


@dataclass(frozen=True)
class Regression:
    """One metric compared with its baseline: worse with confidence, or not."""

    metric: str
    higher_is_worse: bool
    baseline_mean: float
    current: Estimate  # this run's estimate of the metric
    p_value: float
    significant: bool

    @property
    def current_mean(self) -> float:
        return self.current.mean

    @property
    def change(self) -> float:
        """Current minus baseline mean, in the metric's unit."""
        return self.current_mean - self.baseline_mean


@dataclass
class CheckResult:
    """The verdicts for one scenario: its thresholds and its baseline comparison."""

    scenario: str
    replications: int
    thresholds: list[ThresholdResult] = field(default_factory=list)
    regressions: list[Regression] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return (any(r.verdict == "fail" for r in self.thresholds)
                or any(r.significant for r in self.regressions))

    def cases(self) -> list[ThresholdResult]:
        """Thresholds and baseline comparisons as test cases for JUnit XML.

        A baseline comparison reads as the gate "metric no worse than baseline" (a name
        that stays the same from build to build, for CI test history) with the
        baseline mean as its limit; it fails only when Welch's test says the change is
        significant.
        """
        cases = list(self.thresholds)
        for r in self.regressions:
            op = "<=" if r.higher_is_worse else ">="
            gate = Threshold(r.metric, op, r.baseline_mean,
                             f"{r.metric} no worse than baseline")
            verdict = "fail" if r.significant else (
                "inconclusive" if not gate.holds(r.current_mean) else "pass")
            margin = r.change if r.higher_is_worse else -r.change
            cases.append(ThresholdResult(gate, r.current, verdict, margin))
        return cases


@dataclass(frozen=True)
class Gate:
    """One scenario to judge: its file, the scenario and its parsed thresholds."""

    path: Path
    scenario: Scenario
    thresholds: list[Threshold]


def load_gates(paths: Sequence[Path], baselines: Mapping[str, Any] | None = None,
               baseline_file: Path | str = "baseline") -> list[Gate]:
    """Every scenario with its thresholds, read and checked before anything runs; with
    ``baselines`` (from ``baseline_file``), each scenario must have one."""
    gates = []
    for path in paths:
        scenario = load_scenario(path)
        thresholds = parse_thresholds(scenario.thresholds, str(path))
        if baselines is not None and scenario.name not in baselines:
            raise ReportError(f"{baseline_file}: no baseline for scenario "
                              f"'{scenario.name}' (it has: {', '.join(baselines)})")
        gates.append(Gate(path, scenario, thresholds))
    return gates


def check_gates(gates: Sequence[Gate], replications: int, *,
                baselines: Mapping[str, Any] | None = None,
                workers: int | None = None, executor: Executor | Runner = "local",
                scheduler: str | None = None,
                progress: Callable[[str], Progress | None] = lambda label: None,
                on_result: Callable[[CheckResult], None] = lambda result: None
                ) -> list[CheckResult]:
    """Replicate each scenario and judge it on its thresholds and, with ``baselines``,
    on its baseline. ``progress(label)`` gives the callback of one scenario's
    replications; ``on_result`` hears each verdict as soon as it is known."""
    results = []
    for gate in gates:
        runs = replicate(gate.scenario, replications, workers=workers, executor=executor,
                         scheduler=scheduler,
                         progress=progress(f"{gate.scenario.name}: replications"))
        stored = baselines.get(gate.scenario.name) if baselines is not None else None
        result = check_replications(runs, gate.thresholds, str(gate.path), stored)
        results.append(result)
        on_result(result)
    return results


def make_baseline(gates: Sequence[Gate], replications: int, *, workers: int | None = None,
                  executor: Executor | Runner = "local", scheduler: str | None = None,
                  progress: Callable[[str], Progress | None] = lambda label: None
                  ) -> dict[str, dict[str, Any]]:
    """Replicate each scenario and keep what a baseline file holds for it."""
    return {gate.scenario.name: baseline_entry(replicate(
        gate.scenario, replications, workers=workers, executor=executor,
        scheduler=scheduler, progress=progress(f"{gate.scenario.name}: replications")))
        for gate in gates}


def parse_thresholds(exprs: Sequence[str], source: str) -> list[Threshold]:
    """The scenario's ``thresholds:`` list, parsed; errors name the file and entry."""
    out = []
    for n, expr in enumerate(exprs):
        try:
            out.append(parse_threshold(expr))
        except ValueError as exc:
            raise OmsimError(f"{source}: thresholds.{n}: {exc}") from None
    return out


def check_replications(runs: Replications, thresholds: Sequence[Threshold], source: str,
                       baseline: Mapping[str, Any] | None = None) -> CheckResult:
    """Judge one scenario's replications against thresholds and an optional baseline."""
    values = runs.values()
    result = CheckResult(runs.scenario, len(runs.reports))
    for n, t in enumerate(thresholds):
        if t.metric in values:
            sample = values[t.metric]
        elif _in_breakdown(t.metric, runs.reports):
            # e.g. fallout.by_cause.timeout when no order timed out: zero every time.
            sample = [0.0] * len(runs.reports)
        else:
            raise OmsimError(f"{source}: thresholds.{n}: '{t.metric}' is not a metric of "
                             f"the report ({_near(t.metric, values)})")
        result.thresholds.append(evaluate_threshold(t, estimate(t.metric, sample)))
    if baseline is not None:
        result.regressions = compare_with_baseline(values, baseline, thresholds)
    return result


def compare_with_baseline(values: Mapping[str, Sequence[float]], baseline: Mapping[str, Any],
                          thresholds: Sequence[Threshold] = ()) -> list[Regression]:
    """Welch-test each gated metric of ``values`` against the baseline's replications.

    Gated: the default metrics plus every metric a threshold names (its direction from
    the operator: ``<`` means higher is worse).
    """
    gated = dict(HIGHER_IS_WORSE)
    for t in thresholds:
        gated[t.metric] = t.op in ("<", "<=")
    old = baseline["values"]
    present = [m for m in gated if m in old and m in values]
    alpha = ALPHA / max(1, len(present))
    out = []
    for metric in present:
        before, now = old[metric], values[metric]
        if len(before) < 2 or len(now) < 2:
            raise OmsimError(f"baseline comparison of {metric} needs at least 2 replications "
                             f"on each side (baseline {len(before)}, now {len(now)})")
        worse, p = welch_worse(before, now, gated[metric], alpha)
        # fmean, as the estimates: the same sample gives the same mean to the last bit.
        out.append(Regression(metric, gated[metric], statistics.fmean(before),
                              estimate(metric, now), p, worse))
    return out


def baseline_entry(runs: Replications) -> dict[str, Any]:
    """What a baseline keeps for one scenario: every metric's value per replication."""
    return {"seed": runs.seed, "replications": len(runs.reports), "values": runs.values()}


def write_baseline(path: Path, entries: Mapping[str, dict[str, Any]]) -> None:
    write_text(path, json.dumps({"omsim_baseline": BASELINE_FORMAT, "scenarios": entries},
                                indent=1) + "\n")


def load_baseline(path: Path) -> dict[str, Any]:
    """Read a baseline file; the error names the file and what is wrong with it."""
    if not path.exists():
        raise ReportError(f"{path}: baseline file not found (write one with "
                          f"'omsim baseline SCENARIO -o {path}')")
    raw = read_json_object(path, "baseline file")
    if raw.get("omsim_baseline") != BASELINE_FORMAT \
            or not isinstance(raw.get("scenarios"), dict):
        raise ReportError(f"{path}: not an omsim baseline file (expected "
                          f"'omsim_baseline: {BASELINE_FORMAT}' and a 'scenarios' mapping)")
    return raw["scenarios"]


def _in_breakdown(metric: str, reports: Sequence[Mapping[str, Any]]) -> bool:
    """Whether ``metric`` names a key of a keyed breakdown that is in every report
    (``fallout.by_cause``): a key that never occurred there counts as zero."""
    parent, _, _ = metric.rpartition(".")
    if not parent.startswith("fallout.by_"):
        return False
    for report in reports:
        node: Any = report
        for key in parent.split("."):
            node = node.get(key) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            return False
    return True


def _near(metric: str, values: Mapping[str, Any]) -> str:
    head = metric.split(".", 1)[0]
    similar = [p for p in values if p.startswith(head + ".") or p == head]
    if similar:
        return "known under " + head + ": " + ", ".join(similar[:12])
    return "top-level metrics: " + ", ".join(sorted({p.split('.', 1)[0] for p in values}))
