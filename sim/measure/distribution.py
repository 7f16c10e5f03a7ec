"""How the report summarises a sample of times (cycle times, in hours): the mean and
percentiles, and a log-spaced histogram. ``omsim run`` and ``omsim drive`` both call
these, so their reports give the same figures under the same keys.

Pure functions of their arguments: no SimPy, no run state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from sim.measure.rounding import r6

# Histogram buckets are 1 % wide: bucket k holds the times that round to 1.01**k hours.
_LOG_STEP = float(np.log(1.01))


def percentiles(hours: np.ndarray | Sequence[float]) -> dict[str, float]:
    """``mean``, ``p50``, ``p90``, ``p99`` (numpy's linear interpolation) and ``n`` of
    ``hours``; every figure 0 when there is none."""
    hours = np.asarray(hours, dtype=float)
    if hours.size == 0:
        return {"mean": 0.0, "p50": 0.0, "p90": 0.0, "p99": 0.0, "n": 0}
    p50, p90, p99 = np.percentile(hours, [50, 90, 99])
    return {"mean": r6(hours.mean()), "p50": r6(p50), "p90": r6(p90), "p99": r6(p99),
            "n": int(hours.size)}


def histogram(hours: np.ndarray | Sequence[float]) -> dict[str, list[float]]:
    """``hours`` in log-spaced buckets 1 % wide, each named by its centre (``hours``,
    rounded to 4 decimals) with its count (``orders``); times of 0 in a bucket of their
    own named 0.0. A compact distribution with the same relative resolution at 30
    minutes as at 300 hours, that merges across replications by adding counts. Enough
    for a CDF."""
    hours = np.asarray(hours, dtype=float)
    if hours.size == 0:
        return {"hours": [], "orders": []}
    positive = hours[hours > 0]
    steps = np.round(np.log(positive) / _LOG_STEP).astype(int)
    buckets = Counter(steps.tolist())
    keys = sorted(buckets)
    zero = int(hours.size - positive.size)
    return {"hours": [0.0] * (zero > 0) + [round(float(np.exp(k * _LOG_STEP)), 4)
                                          for k in keys],
            "orders": [zero] * (zero > 0) + [buckets[k] for k in keys]}
