"""Confidence intervals the calibration needs, from scipy's distributions: a Poisson
rate (Garwood's exact interval), a binomial proportion (Wilson's), a mean (Student's
t), the ends of a uniform distribution (from its order statistics), and a likelihood
interval for a one-parameter model (profile likelihood, Wilks).

Pure functions of their arguments."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from scipy import optimize
from scipy import stats as st


def poisson_rate(count: int, exposure: float, level: float = 0.95
                 ) -> tuple[float, float, float]:
    """A rate of ``count`` events over ``exposure`` (same unit as the rate's), with
    Garwood's exact interval: (estimate, low, high)."""
    alpha = 1.0 - level
    low = st.chi2.ppf(alpha / 2, 2 * count) / 2 if count else 0.0
    high = st.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return count / exposure, float(low) / exposure, float(high) / exposure


def proportion(successes: int, trials: int, level: float = 0.95
               ) -> tuple[float, float, float]:
    """``successes`` of ``trials`` with Wilson's score interval: (share, low, high)."""
    if trials == 0:
        return 0.0, 0.0, 1.0
    ci = st.binomtest(successes, trials).proportion_ci(level, method="wilson")
    return successes / trials, float(ci.low), float(ci.high)


def mean(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """The mean of ``values`` with Student's t interval: (mean, low, high)."""
    n = len(values)
    centre = float(sum(values) / n)
    if n < 2:
        return centre, centre, centre
    sem = float(st.sem(values))
    if sem == 0:
        return centre, centre, centre
    low, high = st.t.interval(level, n - 1, loc=centre, scale=sem)
    return centre, float(low), float(high)


def uniform_ends(values: Sequence[float], level: float = 0.95
                 ) -> tuple[tuple[float, float], tuple[float, float]]:
    """Intervals for the ends ``low`` and ``high`` of a uniform distribution from its
    sample: (min - a, b - max) / (b - a) follow Beta(1, n), so each end lies within the
    Beta quantile of the range beyond the sample's extreme (the sample's range standing
    for b - a)."""
    n, lo, hi = len(values), min(values), max(values)
    reach = float(st.beta.ppf(level, 1, n)) * (hi - lo)
    return (lo - reach, lo), (hi, hi + reach)


def likelihood_interval(log_likelihood: Callable[[float], float], best: float,
                        bounds: tuple[float, float], level: float = 0.95
                        ) -> tuple[float, float]:
    """The profile-likelihood interval of a one-parameter model around its maximum
    ``best``: the parameters whose log-likelihood is within chi2(1, level) / 2 of it."""
    drop = float(st.chi2.ppf(level, 1)) / 2.0
    top = log_likelihood(best)

    def gap(x: float) -> float:
        return top - log_likelihood(x) - drop

    lo, hi = bounds
    low = lo if best <= lo or gap(lo) <= 0 else optimize.brentq(gap, lo, best)
    high = hi if best >= hi or gap(hi) <= 0 else optimize.brentq(gap, best, hi)
    return float(low), float(high)


def maximise(log_likelihood: Callable[[float], float], bounds: tuple[float, float]) -> float:
    """The parameter in ``bounds`` that maximises ``log_likelihood`` (bounded Brent)."""
    found = optimize.minimize_scalar(lambda x: -log_likelihood(x), bounds=bounds,
                                     method="bounded", options={"xatol": 1e-10})
    x = float(found.x)
    # The bounded search never returns an end itself; an end that is better wins.
    for end in bounds:
        if log_likelihood(end) > log_likelihood(x):
            x = end
    return x


def clamp_log(p: float) -> float:
    """log(p) with p kept off 0 (a likelihood term of an impossible outcome)."""
    return math.log(max(p, 1e-300))
