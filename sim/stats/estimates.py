"""Estimates over replications: a mean with its confidence interval (Student t; for a
proportion, a Wilson score interval that stays inside [0, 1]), and the one-sided Welch
test that tells a regression from noise.

Pure functions of their arguments: no SimPy, no run state.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats as _st


@dataclass(frozen=True, slots=True)
class Estimate:
    """A sample mean with its standard deviation and a confidence interval."""

    mean: float
    sd: float
    low: float
    high: float
    n: int
    level: float = 0.95
    interval: str = "t"  # how low and high were made: "t" or "wilson"

    @property
    def lower(self) -> float:
        """The lower end of the confidence interval (``low``), for readable asserts."""
        return self.low

    @property
    def upper(self) -> float:
        """The upper end of the confidence interval (``high``): ``r.fallout.rate.upper``."""
        return self.high

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval, in the unit of the values."""
        return (self.high - self.low) / 2.0

    def as_dict(self) -> dict[str, Any]:
        """The estimate for a JSON report: mean, sd, ci95_low, ci95_high, n.

        The interval keys carry the level (``ci99_low`` for a 99% interval), so a report
        never claims a 95% interval it does not have.
        """
        pct = level_percent(self.level)
        out: dict[str, Any] = {"mean": self.mean, "sd": self.sd, f"ci{pct}_low": self.low,
                               f"ci{pct}_high": self.high, "n": self.n}
        if self.interval != "t":
            out["interval"] = self.interval
        return out


def mean_ci(values: Sequence[float], level: float = 0.95) -> Estimate:
    """Mean of *values* with a two-sided Student-t confidence interval at *level*."""
    n = len(values)
    if n == 0:
        raise ValueError("mean_ci needs at least one value, got none")
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be strictly between 0 and 1, got {level}")
    mean = statistics.fmean(values)
    if n == 1:
        # One replication says nothing about spread; report it as exact rather than
        # inventing an infinite interval.
        return Estimate(mean, 0.0, mean, mean, 1, level)
    sd = statistics.stdev(values, xbar=mean)
    half = float(_st.t.ppf((1.0 + level) / 2.0, n - 1)) * sd / math.sqrt(n)
    return Estimate(mean, sd, mean - half, mean + half, n, level)


def proportion_ci(values: Sequence[float], level: float = 0.95) -> Estimate:
    """Mean of proportions *values* (one per replication, each in [0, 1]) with a Wilson
    score interval at *level*, which never leaves [0, 1].

    The replications' spread, not a count of trials, says how precise the mean is: the
    interval is Wilson's for the effective number of trials that binomial sampling
    would need to give the observed standard error of the mean, n_eff = p(1 - p) / se²
    (Korn and Graubard's design-effect Wilson interval), with Student's t quantile for
    the replications' degrees of freedom in place of the normal one. Where Student's
    t interval is well inside [0, 1] the two nearly agree; near 0 or 1 this one is
    skewed away from the bound instead of crossing it. Replications that all agree
    (no spread) give the point, as :func:`mean_ci` does.
    """
    n = len(values)
    if n == 0:
        raise ValueError("proportion_ci needs at least one value, got none")
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be strictly between 0 and 1, got {level}")
    for i, v in enumerate(values):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"proportion_ci: values[{i}] = {v} is not a proportion in [0, 1]")
    mean = statistics.fmean(values)
    sd = statistics.stdev(values, xbar=mean) if n > 1 else 0.0
    if sd == 0.0 or mean in (0.0, 1.0):
        return Estimate(mean, sd, mean, mean, n, level, "wilson")
    z = float(_st.t.ppf((1.0 + level) / 2.0, n - 1))
    se2 = sd * sd / n
    n_eff = mean * (1.0 - mean) / se2
    z2n = z * z / n_eff
    centre = (mean + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(se2 + z * z / (4.0 * n_eff * n_eff)) / (1.0 + z2n)
    return Estimate(mean, sd, max(0.0, centre - half), min(1.0, centre + half), n, level,
                    "wilson")


def welch_worse(baseline: Sequence[float], current: Sequence[float], higher_is_worse: bool,
                alpha: float = 0.05) -> tuple[bool, float]:
    """Is *current* significantly worse than *baseline*? One-sided Welch t-test.

    Returns (significantly_worse, p_value); worse means a higher mean when
    *higher_is_worse*, a lower one otherwise. Each sample needs two or more values.
    """
    for name, sample in (("baseline", baseline), ("current", current)):
        if len(sample) < 2:
            raise ValueError(f"welch_worse needs >= 2 values in {name}, got {len(sample)}")
        if not all(math.isfinite(x) for x in sample):
            raise ValueError(f"welch_worse: {name} holds a non-finite value")
    base_flat, cur_flat = min(baseline) == max(baseline), min(current) == max(current)
    if base_flat and cur_flat:
        # No spread on either side: the t statistic is 0/0. Compare the means directly,
        # with a relative tolerance so float noise in identical runs is not a regression.
        b, c = baseline[0], current[0]
        diff = c - b if higher_is_worse else b - c
        worse = diff > 1e-12 * max(abs(b), abs(c))
        return worse, 0.0 if worse else 1.0
    # ttest_ind(a, b, alternative="greater") tests mean(a) > mean(b).
    alternative = "greater" if higher_is_worse else "less"
    with warnings.catch_warnings():
        if base_flat or cur_flat:
            # One exactly constant side is fine for Welch (its variance term is just 0),
            # but scipy warns about "catastrophic cancellation" regardless.
            warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        result = _st.ttest_ind(current, baseline, equal_var=False, alternative=alternative)
    p = float(result.pvalue)
    return p < alpha, p


def level_percent(level: float) -> str:
    """A confidence level as a percentage for labels: 0.95 -> "95", 0.975 -> "97.5"."""
    # 0.95 -> "95", 0.975 -> "97.5"; rounding hides float noise such as 94.99999999999999.
    return f"{round(level * 100, 6):g}"
