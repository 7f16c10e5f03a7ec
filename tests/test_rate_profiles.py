"""Rate profiles: a weekly table of multipliers and campaign bursts shape an arrival
stream, sampled exactly by thinning (sim.traffic.arrivals.arrival_gaps)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from om import ScenarioError
from sim.rng import stream
from sim.run.harness import run_scenario
from sim.scenario.load import scenario_from_dict
from sim.scenario.profiles import ProfileClock, RateProfile
from sim.traffic.arrivals import arrival_gaps
from sim.units import DAY_S, HOUR_S
from tests.conftest import REPO, small_dict

# An evening-peaked consumer day, quieter weekends, and a week-long campaign at 2.5x.
HOURLY = [0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.5, 0.8, 1.0, 1.2, 1.3, 1.3,
          1.2, 1.2, 1.3, 1.4, 1.5, 1.7, 2.0, 2.2, 2.0, 1.4, 0.8, 0.3]
DAILY = [1.1, 1.0, 1.0, 1.0, 1.1, 0.6, 0.4]
PROFILE = RateProfile(hourly=HOURLY, daily=DAILY,
                      bursts=[{"at_day": 14, "duration_days": 7, "multiplier": 2.5}])


def test_table_is_relative_and_bursts_multiply():
    """The table is scaled to a mean of 1 over the week (so rate_per_day stays the
    average intake); a burst multiplies it while it runs, and ends when it should."""
    clock = ProfileClock(PROFILE)
    table = PROFILE.normalised()
    assert np.mean(table) == pytest.approx(1.0)
    monday_19h, sunday_3h = 19 * HOUR_S, (6 * 24 + 3) * HOUR_S
    assert clock.multiplier(monday_19h) / clock.multiplier(sunday_3h) == pytest.approx(
        (1.1 * 2.2) / (0.4 * 0.05))
    assert clock.multiplier(14 * DAY_S + monday_19h) == pytest.approx(
        2.5 * clock.multiplier(monday_19h))
    assert clock.multiplier(21 * DAY_S + monday_19h) == pytest.approx(
        clock.multiplier(monday_19h))
    assert clock.ceiling >= max(clock.multiplier(h * HOUR_S) for h in range(5 * 168))


def test_counts_per_hour_match_the_profile():
    """Thinning samples the profile exactly: over 6 weeks at 1,500 orders a day on
    average (about 75,000 orders), the count in each of the 1,008 hours of the run fits
    the profile's expected count (rate x multiplier x 1 h), campaign week included, by
    Pearson's chi-square test at the 0.1 % level. A profile read one hour late, a
    campaign left out or a day misplaced is rejected outright (chi-square in the
    thousands against a 1 % critical value near 1,114)."""
    rate_per_day, weeks = 1500.0, 6
    hours = weeks * 168
    rng = stream(2026, 0, "test:profile")
    gaps = arrival_gaps(rate_per_day / DAY_S, PROFILE, rng)
    times = np.cumsum(list(itertools.islice(gaps, int(rate_per_day * weeks * 7 * 1.5))))
    times = times[times < hours * HOUR_S]
    observed = np.bincount((times // HOUR_S).astype(int), minlength=hours)
    clock = ProfileClock(PROFILE)
    multipliers = np.array([clock.multiplier((h + 0.5) * HOUR_S) for h in range(hours)])
    expected = rate_per_day / 24.0 * multipliers
    assert observed.sum() == pytest.approx(expected.sum(), rel=0.02)
    # Chi-square needs the totals equal: scale the expectation to the observed total
    # (one degree of freedom less).
    fit = stats.chisquare(observed, expected * observed.sum() / expected.sum())
    assert fit.pvalue > 0.001, fit
    late = np.roll(expected, 1)  # the profile one hour late: clearly refused
    assert stats.chisquare(observed, late * observed.sum() / late.sum()).pvalue < 1e-12


def test_no_profile_keeps_the_plain_poisson_draws():
    """A stream without a profile draws exactly what it drew before profiles existed."""
    a, b = stream(5, 0, "s"), stream(5, 0, "s")
    gaps = list(itertools.islice(arrival_gaps(0.01, None, a), 50))
    assert gaps == [b.expovariate(0.01) for _ in range(50)]


def _scenario(**changes):
    return scenario_from_dict(small_dict(**changes), "profiled.yaml", REPO)


def test_a_run_follows_its_profile():
    """No orders on Saturday and Sunday when the daily row says 0 there (day 0 is a
    Monday), and about the average rate on the other days."""
    scenario = _scenario(
        duration_days=7, warmup_days=1,
        rate_profiles={"weekdays": {"daily": [1, 1, 1, 1, 1, 0, 0]}},
        arrivals=[{"offering": "SuperFibre 200 Home", "rate_per_day": 30,
                   "profile": "weekdays"}])
    submitted = run_scenario(scenario)["timeline"]["submitted"]
    assert submitted[5] == submitted[6] == 0
    assert sum(submitted[:5]) == pytest.approx(30 * 7, rel=0.25)  # 7 days' worth in 5


@pytest.mark.parametrize(("changes", "message"), [
    ({"rate_profiles": {"p": {"hourly": [1] * 24, "weekly": [[1] * 24] * 7}},
      "arrivals": [{"offering": "SuperFibre 200 Home", "rate_per_day": 1}]},
     "rate_profiles.p: Value error, give either weekly"),
    ({"rate_profiles": {"p": {"daily": [0] * 7}},
      "arrivals": [{"offering": "SuperFibre 200 Home", "rate_per_day": 1}]},
     "every multiplier of the week is 0"),
    ({"rate_profiles": {"p": {"hourly": [1] * 23}},
      "arrivals": [{"offering": "SuperFibre 200 Home", "rate_per_day": 1}]},
     "rate_profiles.p.hourly: List should have at least 24 items"),
    ({"arrivals": [{"offering": "SuperFibre 200 Home", "rate_per_day": 1, "profile": "x"}]},
     "arrivals.0.profile: 'x' is not in rate_profiles (known: none)"),
    ({"rate_profiles": {"p": {"bursts": [{"at_day": 1, "duration_days": 0,
                                          "multiplier": 2}]}},
      "arrivals": [{"offering": "SuperFibre 200 Home", "rate_per_day": 1}]},
     "rate_profiles.p.bursts.0.duration_days: Input should be greater than 0"),
    ({"rate_profiles": {"p": {}},
      "arrivals": [{"offering": "SuperFibre 200 Home", "at_day": 1, "profile": "p"}]},
     "a profile shapes a stream's rate"),
])
def test_bad_profiles_are_refused_naming_the_field(changes, message):
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _scenario(**changes)
