"""``omsim compare``: does a scenario behave like the network a history came from?

The same figures are computed from the history and from each replication of the
scenario, over the same span (the scenario runs its warm-up plus the history's span, and
its report covers the orders submitted after the warm-up, as the history covers its
orders): intake per day, fallout rate and share by cause, cycle time p50 and p90 of the
completed orders, and flow-through (completed without fallout, of all orders and of the
orders that ended).

An observed figure is one history's worth of one realisation, so it is judged against
the replications' prediction interval for one more replication, not the interval of
their mean: mean ± t·sd·√(1 + 1/N) (for a proportion on the logit scale, so that it
stays inside [0, 1]). Each interval is at 1 - 0.05/k for k figures (Bonferroni), so a
scenario that does behave like the network fails a comparison at most 5 % of the time.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as st

from sim.experiments.executors import Executor, Runner
from sim.experiments.replicate import replicate
from sim.history.records import HistoryOrder
from sim.measure.proportions import is_proportion
from sim.scenario.schema import Scenario

FAMILY_LEVEL = 0.95


@dataclass(frozen=True)
class Judged:
    """One figure: observed, the replications' mean and prediction interval, verdict."""

    figure: str
    observed: float
    mean: float
    low: float
    high: float

    @property
    def inside(self) -> bool:
        return self.low <= self.observed <= self.high


@dataclass(frozen=True)
class Comparison:
    """Every figure judged, over ``replications`` of ``scenario`` for ``span_days``."""

    scenario: str
    replications: int
    span_days: float
    level: float
    figures: list[Judged]

    @property
    def outside(self) -> list[Judged]:
        return [f for f in self.figures if not f.inside]


def observed_figures(orders: Sequence[HistoryOrder]) -> dict[str, float]:
    """The history's figures (the names the report's equivalents are judged under)."""
    start = min(o.ordered for o in orders)
    end = max(max(o.ordered, o.ended or o.ordered) for o in orders)
    days = (end - start).total_seconds() / 86400.0
    n = len(orders)
    fell = [o for o in orders if o.fallout is not None]
    hours = np.array([(o.ended - o.ordered).total_seconds() / 3600.0 for o in orders
                      if o.state == "completed" and o.ended is not None])
    clean = sum(1 for o in orders if o.state == "completed" and o.fallout is None)
    ended = sum(1 for o in orders if o.ended is not None)
    out = {"intake_per_day": n / days, "fallout.rate": len(fell) / n}
    for cause in sorted({o.fallout.cause for o in fell if o.fallout is not None}):
        out[f"fallout.share.{cause}"] = sum(1 for o in fell if o.fallout is not None
                                            and o.fallout.cause == cause) / n
    if hours.size:
        out["cycle_time_hours.p50"], out["cycle_time_hours.p90"] = (
            float(x) for x in np.percentile(hours, [50, 90]))
    out["flow_through_rate"] = clean / n
    out["flow_through_rate_of_ended"] = clean / ended if ended else 0.0
    return out


def simulated_figures(report: Mapping[str, Any]) -> dict[str, float]:
    """The same figures from one replication's report."""
    sim, orders, fallout = report["sim"], report["orders"], report["fallout"]
    measured = orders["measured"]
    days = sim["duration_days"] - sim["warmup_days"]
    out = {"intake_per_day": measured / days, "fallout.rate": fallout["rate"]}
    for cause, count in fallout["by_cause"].items():
        out[f"fallout.share.{cause}"] = count / measured if measured else 0.0
    cycle = report["cycle_time_hours"]
    if cycle.get("n"):
        out["cycle_time_hours.p50"] = cycle["p50"]
        out["cycle_time_hours.p90"] = cycle["p90"]
    out["flow_through_rate"] = report["flow_through_rate"]
    out["flow_through_rate_of_ended"] = report["flow_through_rate_of_ended"]
    return out


def compare(orders: Sequence[HistoryOrder], scenario: Scenario, replications: int,
            workers: int | None = None, family_level: float = FAMILY_LEVEL,
            executor: Executor | Runner = "local", scheduler: str | None = None
            ) -> Comparison:
    """Run ``replications`` of ``scenario`` over the history's span and judge each
    observed figure against them, the intervals together at ``family_level``."""
    observed = observed_figures(orders)
    start = min(o.ordered for o in orders)
    end = max(max(o.ordered, o.ended or o.ordered) for o in orders)
    span = (end - start).total_seconds() / 86400.0
    runs = replicate(scenario.model_copy(update={
        "duration_days": scenario.warmup_days + span,
        "churn": scenario.churn.model_copy(update={"cease_all_at_end": False})}),
        replications, workers=workers, executor=executor, scheduler=scheduler)
    simulated = [simulated_figures(r) for r in runs.reports]
    names = sorted(set(observed) | {k for s in simulated for k in s})
    level = 1.0 - (1.0 - family_level) / len(names)
    figures = [judge(name, observed.get(name, 0.0), [s.get(name, 0.0) for s in simulated],
                     level) for name in names]
    return Comparison(scenario.name, replications, span, level, figures)


def judge(name: str, observed: float, values: Sequence[float], level: float) -> Judged:
    """The prediction interval at ``level`` for one more value like ``values``."""
    mean = statistics.fmean(values)
    if is_proportion(name) or name.startswith("fallout.share."):
        low, high = _logit_prediction(values, level)
    else:
        low, high = _prediction(values, level)
    return Judged(name, observed, mean, low, high)


def _prediction(values: Sequence[float], level: float) -> tuple[float, float]:
    n = len(values)
    mean = statistics.fmean(values)
    if n < 2:
        return mean, mean
    half = float(st.t.ppf((1 + level) / 2, n - 1)) * statistics.stdev(values) * math.sqrt(
        1 + 1 / n)
    return mean - half, mean + half


def _logit_prediction(values: Sequence[float], level: float) -> tuple[float, float]:
    """A prediction interval for a proportion on the logit scale (values kept off 0 and
    1 by half an order in ten thousand), back inside (0, 1)."""
    eps = 5e-5
    logits = [math.log((min(max(v, eps), 1 - eps)) / (1 - min(max(v, eps), 1 - eps)))
              for v in values]
    low, high = _prediction(logits, level)
    low_p, high_p = 1 / (1 + math.exp(-low)), 1 / (1 + math.exp(-high))
    # A value of exactly 0 (no such fallout) must be allowed when the replications had 0.
    return (0.0 if min(values) == 0 else low_p), (1.0 if max(values) == 1 else high_p)
