"""Time in the system, three ways, for the run report:

- **Little's law on one set of orders** (``in_system``): L, X and W all describe every
  product order of every type, however it ends (completed, partial, failed, cancelled,
  rejected). L is the time-average number of them in the system (submitted, not yet
  in a terminal state) over the measured period, computed exactly from each order's
  submission and end rather than from hourly samples; X is how many of them left the
  system (reached a terminal state) in the measured period, per day; W is the mean
  time in the system of those that left. Over a window [w, T] the exact identity is
  L·(T - w) = X·(T - w)·W + (time already spent before w by the orders that left)
  - (time still to come after T of the orders open at T); in a stationary run both
  boundary terms have the same mean (λ·E[W²]/2), so L = X·W up to their difference,
  which shrinks like 1/(T - w).
- **Cycle times with censoring** (``cycle_time_hours_censored``): the Kaplan-Meier
  estimate over the orders submitted after the warm-up that completed (the event) or
  are still open at the end (censored at their age). Failed, partial, cancelled and
  rejected orders never complete and are left out, as in ``cycle_time_hours``. The
  completed-only percentiles drop the open orders, so they are biased low exactly when
  orders get stuck; these are not.
- **The orders still open at the end** (``open_orders``): how many, and their ages.

:func:`littles_law` and :func:`censored_hours` take plain times, for a report whose
orders are not a run's records (``omsim drive``'s).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np

from sim.measure.rounding import r6
from sim.stats.survival import censored_summary
from sim.units import DAY_S, HOUR_S


class OrderRecord(Protocol):
    """What these figures read of an order (:class:`sim.measure.metrics.OrderRecord`)."""

    submitted_s: float
    ended_s: float | None  # None while open
    state: str


def in_system(records: Sequence[OrderRecord], warmup_s: float, end_s: float,
              peak: float) -> dict[str, float]:
    """L, X and W of Little's law over every product order, for the window from the
    warm-up to ``end_s`` (``peak``: the most orders in the system at an hourly sample)."""
    law = littles_law(((r.submitted_s, r.ended_s) for r in records), warmup_s, end_s)
    return {"orders_mean": law["orders_mean"], "orders_peak": peak,
            "ended_per_day": law["ended_per_day"], "hours_mean": law["hours_mean"]}


def littles_law(spans_s: Iterable[tuple[float, float | None]], warmup_s: float,
                end_s: float) -> dict[str, float]:
    """L, X and W of Little's law for the window from ``warmup_s`` to ``end_s`` over
    orders given as (when it entered the system, when it left it or None while still
    in it), seconds on one clock, read once: ``orders_mean`` (L, the time-average
    number in the system in the window, exact), ``ended_per_day`` (X, how many left in
    the window, per day) and ``hours_mean`` (W, the mean time in the system of those,
    in hours). Every order in the system during the window counts, whenever it entered;
    ``omsim drive`` calls this with the times it saw from outside."""
    window_s = end_s - warmup_s
    inside_s = 0.0  # order-seconds spent in the system inside the window
    left_s: list[float] = []  # time in the system of each order that left in the window
    for start, end in spans_s:
        ended = end_s if end is None else min(end, end_s)
        inside_s += max(0.0, ended - max(start, warmup_s))
        if end is not None and warmup_s <= end <= end_s:
            left_s.append(end - start)
    return {
        "orders_mean": r6(inside_s / window_s) if window_s > 0 else 0.0,
        "ended_per_day": r6(len(left_s) / (window_s / DAY_S)) if window_s > 0 else 0.0,
        "hours_mean": r6(float(np.mean(left_s)) / HOUR_S) if left_s else 0.0,
    }


def censored_cycle_time(cohort: Sequence[OrderRecord], end_s: float) -> dict[str, Any]:
    """Kaplan-Meier cycle time (hours) of the cohort's completed orders and open ones
    (:func:`censored_hours`)."""
    times: list[float] = []
    completed: list[bool] = []
    for r in cohort:
        if r.state == "completed" and r.ended_s is not None:
            times.append((r.ended_s - r.submitted_s) / HOUR_S)
            completed.append(True)
        elif r.ended_s is None:
            times.append((end_s - r.submitted_s) / HOUR_S)
            completed.append(False)
    return censored_hours(times, completed)


def censored_hours(hours: Sequence[float], completed: Sequence[bool]) -> dict[str, Any]:
    """The report's censored cycle time of orders that took ``hours`` to complete, or
    are still open at that age where ``completed`` is False: the Kaplan-Meier
    :func:`~sim.stats.survival.censored_summary` (``mean``, ``p50``, ``p90``, ``p99``,
    ``n``, ``open``, ``lower_bounds``) with its times rounded as the report's.

    A percentile the curve never reaches (more orders still open past the longest time
    observed than the percentile leaves) is given as that longest time, a lower bound,
    and named in ``lower_bounds``; ``mean`` is restricted to that time (a lower bound
    too when the longest time is an open order's age).
    """
    return {key: r6(value) if isinstance(value, float) else value
            for key, value in censored_summary(hours, completed).items()}


def open_orders(records: Sequence[OrderRecord], warmup_s: float, end_s: float
                ) -> dict[str, Any]:
    """The orders still open at ``end_s``: how many (``measured``: submitted after the
    warm-up) and their ages in hours."""
    ages = np.array([(end_s - r.submitted_s) / HOUR_S for r in records if r.ended_s is None])
    measured = sum(1 for r in records if r.ended_s is None and r.submitted_s >= warmup_s)
    if ages.size == 0:
        return {"orders": 0, "measured": 0, "age_hours_mean": 0.0, "age_hours_p50": 0.0,
                "age_hours_p90": 0.0, "age_hours_max": 0.0}
    p50, p90 = np.percentile(ages, [50, 90])
    return {"orders": int(ages.size), "measured": measured,
            "age_hours_mean": r6(ages.mean()), "age_hours_p50": r6(p50),
            "age_hours_p90": r6(p90), "age_hours_max": r6(ages.max())}
