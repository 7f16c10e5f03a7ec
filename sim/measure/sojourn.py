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

The run's figures come from the order ledger's columns (:mod:`sim.measure.ledger`):
each order's submission and end in seconds, NaN while it is open. :func:`littles_law`
and :func:`censored_hours` take plain times, for a report whose orders are not a run's
(``omsim drive``'s). Sums run in order, as a loop over the orders would add them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from sim.measure.rounding import r6
from sim.stats.survival import censored_summary
from sim.units import DAY_S, HOUR_S


def in_system(submitted_s: np.ndarray, ended_s: np.ndarray, warmup_s: float, end_s: float,
              peak: float) -> dict[str, float]:
    """L, X and W of Little's law over every product order (submitted and ended at
    those times, NaN: still open), for the window from the warm-up to ``end_s``
    (``peak``: the most orders in the system at an hourly sample)."""
    law = littles_law_of(submitted_s, ended_s, warmup_s, end_s)
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
    spans = [(start, np.nan if end is None else end) for start, end in spans_s]
    submitted, ended = (np.array(column, dtype=float).reshape(-1)
                        for column in (zip(*spans, strict=True) if spans else ((), ())))
    return littles_law_of(submitted, ended, warmup_s, end_s)


def littles_law_of(submitted_s: np.ndarray, ended_s: np.ndarray, warmup_s: float,
                   end_s: float) -> dict[str, float]:
    """:func:`littles_law` of orders as arrays (``ended_s`` NaN: still in the system)."""
    window_s = end_s - warmup_s
    open_ = np.isnan(ended_s)
    until = np.where(open_, end_s, np.minimum(ended_s, end_s))
    inside = np.maximum(0.0, until - np.maximum(submitted_s, warmup_s))
    # Order-seconds in the system inside the window, added up order by order.
    inside_s = float(np.cumsum(inside)[-1]) if inside.size else 0.0
    left = ~open_ & (warmup_s <= ended_s) & (ended_s <= end_s)
    left_s = (ended_s - submitted_s)[left]  # time in the system of those that left
    return {
        "orders_mean": r6(inside_s / window_s) if window_s > 0 else 0.0,
        "ended_per_day": r6(left_s.size / (window_s / DAY_S)) if window_s > 0 else 0.0,
        "hours_mean": r6(float(np.mean(left_s)) / HOUR_S) if left_s.size else 0.0,
    }


def censored_cycle_time(submitted_s: np.ndarray, ended_s: np.ndarray,
                        completed: np.ndarray, end_s: float) -> dict[str, Any]:
    """Kaplan-Meier cycle time (hours) of the cohort's completed orders and open ones
    (:func:`censored_hours`): orders submitted and ended at those times (NaN: open),
    ``completed`` marking those that ended completed; the others that ended are left
    out."""
    open_ = np.isnan(ended_s)
    done = completed & ~open_
    times = np.where(open_, end_s - submitted_s, ended_s - submitted_s) / HOUR_S
    return censored_hours(times[done | open_], done[done | open_])


def censored_hours(hours: Sequence[float] | np.ndarray,
                   completed: Sequence[bool] | np.ndarray) -> dict[str, Any]:
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


def open_orders(submitted_s: np.ndarray, ended_s: np.ndarray, warmup_s: float,
                end_s: float) -> dict[str, Any]:
    """The orders still open at ``end_s`` (``ended_s`` NaN): how many (``measured``:
    submitted after the warm-up) and their ages in hours."""
    open_ = np.isnan(ended_s)
    ages = (end_s - submitted_s[open_]) / HOUR_S
    measured = int((submitted_s[open_] >= warmup_s).sum())
    if ages.size == 0:
        return {"orders": 0, "measured": 0, "age_hours_mean": 0.0, "age_hours_p50": 0.0,
                "age_hours_p90": 0.0, "age_hours_max": 0.0}
    p50, p90 = np.percentile(ages, [50, 90])
    return {"orders": int(ages.size), "measured": measured,
            "age_hours_mean": r6(ages.mean()), "age_hours_p50": r6(p50),
            "age_hours_p90": r6(p90), "age_hours_max": r6(ages.max())}
