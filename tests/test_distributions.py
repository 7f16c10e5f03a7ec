"""The samplers a scenario's durations compile to: each one draws what its formulas say.

100,000 draws per distribution. The sample mean has a standard error of sigma / sqrt(n),
the sample variance one of sigma**2 sqrt((kurtosis excess + 2) / n); both are checked to
4 standard errors, which a correct sampler misses once in 16,000 seeds (the stream here
is fixed: Python's Random(seed) draws the same numbers on every run and version).
"""

from __future__ import annotations

import math
import random
import statistics

import pytest
from pydantic import BaseModel

from sim.scenario.distributions import Distribution

N = 100_000
Z = 4.0


class _Field(BaseModel):
    """A scenario field that holds a distribution, as ``latency_s`` does."""

    value: Distribution


def _parse(spec):
    return _Field(value=spec).value


LN_SIGMA2 = math.log(1 + 0.5 ** 2)  # log-normal of mean 3, sd 1.5: coefficient 0.5
CASES = [
    # (distribution as a scenario writes it, mean, variance, excess kurtosis)
    ({"dist": "exponential", "mean": 40.0}, 40.0, 1600.0, 6.0),
    ({"dist": "lognormal", "mean": 3.0, "sd": 1.5}, 3.0, 2.25,
     math.exp(4 * LN_SIGMA2) + 2 * math.exp(3 * LN_SIGMA2) + 3 * math.exp(2 * LN_SIGMA2) - 6),
    ({"dist": "uniform", "low": 15, "high": 45}, 30.0, 900 / 12, -1.2),
    ({"dist": "triangular", "low": 90, "mode": 120, "high": 180}, 130.0,
     (90**2 + 120**2 + 180**2 - 90 * 120 - 90 * 180 - 120 * 180) / 18, -0.6),
]


@pytest.mark.parametrize(("spec", "mean", "variance", "excess"), CASES,
                         ids=[c[0]["dist"] for c in CASES])
def test_sampler_matches_its_formulas(spec, mean, variance, excess):
    """Analytic mean and variance are the formulas, and the sampler draws them."""
    dist = _parse(spec)
    assert dist.mean == pytest.approx(mean) and dist.variance == pytest.approx(variance)
    draw = dist.sampler(random.Random(2024))
    sample = [draw() for _ in range(N)]
    assert min(sample) >= 0  # durations
    sample_mean = statistics.fmean(sample)
    assert abs(sample_mean - mean) < Z * math.sqrt(variance / N), sample_mean
    sample_variance = statistics.variance(sample, sample_mean)
    assert abs(sample_variance - variance) < Z * variance * math.sqrt((excess + 2) / N), \
        sample_variance


def test_a_number_is_a_constant():
    """`latency_s: 3` is a constant: every draw is 3, with no variance."""
    dist = _parse(3)
    draw = dist.sampler(random.Random(1))
    assert {draw() for _ in range(100)} == {3.0}
    assert (dist.mean, dist.variance) == (3.0, 0.0)


def test_samplers_are_bound_to_their_stream():
    """Two samplers on equal seeds draw the same; another seed draws otherwise."""
    dist = _parse({"dist": "exponential", "mean": 5})
    a, b, c = (dist.sampler(random.Random(s)) for s in (7, 7, 8))
    first = [a() for _ in range(5)]
    assert first == [b() for _ in range(5)] and first != [c() for _ in range(5)]
