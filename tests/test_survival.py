"""sim.stats.survival: Kaplan-Meier with right censoring, its percentiles and restricted mean."""

from __future__ import annotations

import random
import statistics

import numpy as np
import pytest

from sim.stats.survival import censored_summary, kaplan_meier

# Freireich et al. (1963), 6-MP arm of the leukaemia remission trial (weeks; False =
# censored): the textbook Kaplan-Meier example (Kleinbaum & Klein, Survival Analysis).
SIX_MP = [(6, True), (6, True), (6, True), (6, False), (7, True), (9, False), (10, True),
          (10, False), (11, False), (13, True), (16, True), (17, False), (19, False),
          (20, False), (22, True), (23, True), (25, False), (32, False), (32, False),
          (34, False), (35, False)]


def test_known_answer_six_mp_arm():
    """The published curve: 0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448 at the
    event times, median 23 weeks; censored times are not event times."""
    km = kaplan_meier([t for t, _ in SIX_MP], [e for _, e in SIX_MP])
    assert km.times == (6, 7, 10, 13, 16, 22, 23)
    expected = [18 / 21]
    for at_risk in (17, 15, 12, 11, 7, 6):
        expected.append(expected[-1] * (at_risk - 1) / at_risk)
    assert km.survival == pytest.approx(expected, rel=1e-12)
    assert [round(s, 3) for s in km.survival] == [0.857, 0.807, 0.753, 0.690, 0.627,
                                                  0.538, 0.448]
    assert km.median == 23
    assert km.percentile(10) == 6 and km.percentile(40) == 22
    # S never falls below 0.448: the 60th percentile is not estimable from these data.
    assert km.percentile(60) is None
    assert (km.events, km.censored, km.horizon) == (9, 12, 35)
    assert km.survival_at(5.9) == 1.0 and km.survival_at(12) == pytest.approx(expected[2])


def test_restricted_mean_by_hand():
    """1, 2+, 3, 4: S = 3/4 on [1, 3), 3/8 on [3, 4), 0 after; area = 1 + 1.5 + 0.375."""
    km = kaplan_meier([3.0, 1.0, 4.0, 2.0], [True, True, True, False])
    assert km.mean == pytest.approx(2.875)
    assert km.survival == pytest.approx((0.75, 0.375, 0.0))
    assert km.percentile(100) == 4.0


def test_censoring_tied_with_an_event_counts_as_at_risk():
    """At a tie the censored subject was still at risk: 2 events of 4 at t=1, not of 2."""
    km = kaplan_meier([1, 1, 1, 5], [True, True, False, True])
    assert km.survival[0] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(5))
def test_uncensored_matches_empirical_quantiles_and_mean(seed):
    """Nothing censored: the percentiles are the sample's inverted-cdf quantiles and the
    restricted mean is the sample mean (ties included: times rounded to whole hours)."""
    rng = random.Random(seed)
    times = [round(rng.expovariate(1 / 30.0)) for _ in range(rng.randint(1, 300))]
    km = kaplan_meier(times, [True] * len(times))
    for q in (1, 5, 10, 25, 50, 75, 90, 95, 99, 100):
        assert km.percentile(q) == np.percentile(times, q, method="inverted_cdf"), q
    assert km.mean == pytest.approx(statistics.fmean(times), rel=1e-9)
    assert km.censored == 0 and km.events == len(times)


def test_percentile_on_a_step_despite_float_drift():
    """Five distinct times: S after two events is 0.6000000000000001 by the running
    product, yet the 40th percentile is the second time, as for the sample itself."""
    km = kaplan_meier([1.0, 2.0, 3.0, 4.0, 5.0], [True] * 5)
    assert [km.percentile(q) for q in (40, 60, 80)] == [2.0, 3.0, 4.0]


def test_open_orders_raise_the_estimate_that_dropping_them_would_hide():
    """Slow orders still open at 100 h: dropping them gives a 10 h median; counting them
    censored says more than half took longer than 10 h."""
    done = [10.0] * 4
    km = kaplan_meier(done + [100.0] * 6, [True] * 4 + [False] * 6)
    assert statistics.median(done) == 10.0
    assert km.median is None
    assert km.percentile(40) == 10.0
    assert km.survival_at(50) == pytest.approx(0.6)


def test_summary_gives_unreached_percentiles_as_lower_bounds():
    """The 6-MP arm: p50 is 23 weeks; p90 and p99 are never reached, so they are the
    longest time observed (35, a censored one) and named as lower bounds."""
    summary = censored_summary([t for t, _ in SIX_MP], [e for _, e in SIX_MP])
    assert summary["p50"] == 23
    assert (summary["p90"], summary["p99"]) == (35, 35)
    assert summary["lower_bounds"] == ["p90", "p99"]
    assert (summary["n"], summary["open"]) == (21, 12)
    assert summary["mean"] == kaplan_meier([t for t, _ in SIX_MP],
                                           [e for _, e in SIX_MP]).mean


def test_empty_and_bad_input():
    km = kaplan_meier([], [])
    assert (km.mean, km.median, km.events, km.censored) == (0.0, None, 0, 0)
    with pytest.raises(ValueError, match="2 times but 1 flags"):
        kaplan_meier([1.0, 2.0], [True])
    with pytest.raises(ValueError, match=r"times\[1\] must be finite and >= 0"):
        kaplan_meier([1.0, -2.0], [True, True])
    with pytest.raises(ValueError, match="q must be in"):
        kaplan_meier([1.0], [True]).percentile(0)
