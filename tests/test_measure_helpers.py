"""The report's figures from plain times (:mod:`sim.measure.distribution`,
:func:`sim.measure.sojourn.littles_law` and :func:`~sim.measure.sojourn.censored_hours`),
which ``omsim drive`` uses on the times it saw from outside: Little's law's L, X and W
over a window, worked by hand."""

from __future__ import annotations

import pytest

from sim.measure.distribution import histogram, percentiles
from sim.measure.sojourn import censored_hours, littles_law
from sim.units import DAY_S, HOUR_S


def test_littles_law_counts_every_order_in_the_window_and_those_that_left_it():
    """Window: day 1 to day 3. Order a entered before the window and left in it, b
    entered and left in it, c left before it, d is still in the system at the end, e
    left after the end."""
    h = HOUR_S
    spans = [
        (20 * h, 30 * h),  # a: 6 h inside the window, left (10 h in the system)
        (30 * h, 42 * h),  # b: 12 h inside, left (12 h)
        (0.0, 10 * h),  # c: nothing inside
        (60 * h, None),  # d: 12 h inside, still in
        (50 * h, 80 * h),  # e: 22 h inside, left after the end
    ]
    law = littles_law(iter(spans), warmup_s=DAY_S, end_s=3 * DAY_S)
    assert law == {"orders_mean": pytest.approx((6 + 12 + 12 + 22) / 48),
                   "ended_per_day": 1.0, "hours_mean": 11.0}


def test_littles_law_of_an_empty_window_is_zero():
    assert littles_law([], 0.0, DAY_S) == {"orders_mean": 0.0, "ended_per_day": 0.0,
                                           "hours_mean": 0.0}
    assert littles_law([(0.0, None)], DAY_S, DAY_S)["orders_mean"] == 0.0


def test_percentiles_and_histogram_of_hours():
    assert percentiles([1.0, 2.0, 3.0, 4.0]) == {"mean": 2.5, "p50": 2.5, "p90": 3.7,
                                                  "p99": 3.97, "n": 4}
    assert percentiles([])["n"] == 0
    # 1.0 and 1.004 share the bucket 1.01**0; 0 has its own; 2.0 rounds to 1.01**70 (2.0068).
    assert histogram([0.0, 1.0, 1.004, 2.0]) == {"hours": [0.0, 1.0, 2.0068],
                                                 "orders": [1, 2, 1]}


def test_censored_hours_counts_open_orders_at_their_age():
    """Two of four completed (1 h, 3 h), two still open at 2 h and 4 h: S falls to 3/4
    at 1 h and to 3/8 at 3 h, so the median is 3 h and p90 is never reached."""
    out = censored_hours([1.0, 2.0, 3.0, 4.0], [True, False, True, False])
    assert out["p50"] == 3.0 and out["p90"] == 4.0 and out["lower_bounds"] == ["p90", "p99"]
    assert (out["n"], out["open"]) == (4, 2)
