"""Times to an event when some subjects have not had it yet (right censoring): the
Kaplan-Meier estimate of the survival function, its percentiles, and the mean restricted
to the longest time observed.

A cycle time is the use in omsim: an order still open when the observer stops watching
is censored at its age, so the estimate counts what its age already tells (it took at
least that long) instead of dropping it, which would make a slow order manager look fast.

Pure functions of their arguments: no SimPy, no run state.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Survival is a running product of (1 - d/n); with nothing censored it should equal
# 1 - k/N exactly, but the product drifts by a few ulps (0.5000000000000001 after five of
# ten events), which would move a percentile to the next event time.
_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class SurvivalCurve:
    """The Kaplan-Meier step function: ``survival[i]`` is S(t) for ``times[i]`` <= t <
    ``times[i + 1]`` (S = 1 before the first event time). ``times`` are the distinct
    event times; censored times only reduce the number at risk.

    ``mean`` is restricted to ``horizon`` (the longest time observed, event or not), so
    it is a lower bound of the true mean when the longest time is censored.
    """

    times: tuple[float, ...]
    survival: tuple[float, ...]
    mean: float
    horizon: float
    events: int
    censored: int

    def survival_at(self, t: float) -> float:
        """S(t): the estimated share of subjects still without the event at time ``t``."""
        s = 1.0
        for time, value in zip(self.times, self.survival, strict=True):
            if time > t:
                break
            s = value
        return s

    def percentile(self, q: float) -> float | None:
        """The time by which ``q`` percent (0 < q <= 100) of subjects had the event: the
        smallest event time t with S(t) <= 1 - q/100. None when the curve never gets
        that low (too many subjects censored before that share had the event).

        With nothing censored this is the empirical quantile by the inverse of the
        empirical distribution function (numpy's ``method="inverted_cdf"``).
        """
        if not (0.0 < q <= 100.0) or math.isnan(q):
            raise ValueError(f"percentile: q must be in (0, 100], got {q}")
        limit = 1.0 - q / 100.0 + _TOLERANCE
        for time, value in zip(self.times, self.survival, strict=True):
            if value <= limit:
                return time
        return None

    @property
    def median(self) -> float | None:
        """The 50th percentile, or None when fewer than half had the event by ``horizon``."""
        return self.percentile(50.0)


def kaplan_meier(times: Sequence[float] | np.ndarray,
                 observed: Sequence[bool] | np.ndarray) -> SurvivalCurve:
    """The Kaplan-Meier curve from ``times`` (each subject's time to the event, or to
    censoring where its ``observed`` flag is False).

    At a time where events and censorings tie, the censored subjects count as still at
    risk for those events (the usual convention: censored just after). Subjects are
    counted per distinct time with numpy, so a million of them cost a few arrays, not a
    million tuples; the curve is then stepped through in Python, time by time.
    """
    if len(times) != len(observed):
        raise ValueError(f"kaplan_meier: {len(times)} times but {len(observed)} flags")
    t = np.asarray(times, dtype=float).reshape(-1)
    seen = np.asarray(observed, dtype=bool).reshape(-1)
    bad = np.flatnonzero(~np.isfinite(t) | (t < 0))
    if bad.size:
        i = int(bad[0])
        value = times[i]
        raise ValueError(f"kaplan_meier: times[{i}] must be finite and >= 0, got "
                         f"{value.item() if isinstance(value, np.generic) else value}")
    if not t.size:
        return SurvivalCurve((), (), 0.0, 0.0, 0, 0)
    distinct, where = np.unique(t, return_inverse=True)
    leaving = np.bincount(where, minlength=distinct.size)
    events = np.bincount(where[seen], minlength=distinct.size)
    at_risk, s, area, last_t = int(t.size), 1.0, 0.0, 0.0
    event_times: list[float] = []
    values: list[float] = []
    for time, died, left in _in_chunks(distinct, events, leaving):
        area += s * (time - last_t)
        last_t = time
        if died:
            s *= 1.0 - died / at_risk
            event_times.append(time)
            values.append(s)
        at_risk -= left
    n_events = int(seen.sum())
    return SurvivalCurve(tuple(event_times), tuple(values), area, last_t,
                         n_events, int(t.size) - n_events)


def _in_chunks(*columns: np.ndarray, size: int = 65536) -> Iterator[tuple[Any, ...]]:
    """The rows of equally long arrays as Python numbers, a chunk of rows at a time (a
    million rows never become a million Python floats at once)."""
    for start in range(0, len(columns[0]), size):
        yield from zip(*(c[start:start + size].tolist() for c in columns), strict=True)


def censored_summary(times: Sequence[float], observed: Sequence[bool],
                     percentiles: Sequence[float] = (50.0, 90.0, 99.0)) -> dict[str, Any]:
    """A report's view of the curve: ``mean`` (restricted), ``p50`` ... for each of
    ``percentiles``, ``n``, ``open`` (censored) and ``lower_bounds``, the percentiles
    the curve never reaches, given as the longest time observed (a lower bound)."""
    curve = kaplan_meier(times, observed)
    out: dict[str, Any] = {"mean": curve.mean}
    lower_bounds = []
    for q in percentiles:
        key = f"p{q:g}"
        value = curve.percentile(q)
        if value is None:
            value = curve.horizon
            lower_bounds.append(key)
        out[key] = value
    out.update({"n": len(times), "open": curve.censored, "lower_bounds": lower_bounds})
    return out
