"""sim.stats.estimates: queueing formulas, confidence intervals, Welch tests and CI thresholds."""

from __future__ import annotations

import math
import random
import statistics
import warnings
import xml.etree.ElementTree as ET

import pytest
from scipy import stats as st

from sim.experiments.junit import junit_xml
from sim.experiments.thresholds import Threshold, evaluate_threshold, metric_at, parse_threshold
from sim.stats.estimates import Estimate, mean_ci, welch_worse
from sim.stats.queueing import erlang_b, erlang_c, mmc_mean_wait


def erlang_b_direct(a: float, c: int) -> float:
    """Erlang B from its definition, A^c/c! / sum_k A^k/k! (fine for small c)."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def erlang_c_direct(a: float, c: int) -> float:
    """Erlang C from its definition (the M/M/c probability of waiting)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


# -- queueing -----------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "c"), [(28.0, 32), (1.0, 1), (5.0, 10), (0.5, 3), (40.0, 30)])
def test_erlang_b_matches_the_direct_formula(a, c):
    """The recursion agrees with A^c/c! / sum A^k/k!."""
    assert erlang_b(a, c) == pytest.approx(erlang_b_direct(a, c), rel=1e-12)


def test_erlang_b_known_values():
    """Erlang B gives the table values: 28 E on 32 trunks blocks about 6.65%."""
    assert erlang_b(28, 32) == pytest.approx(0.0665, abs=5e-5)
    assert erlang_b(10, 10) == pytest.approx(0.2146, abs=5e-5)
    assert erlang_b(4.46, 10) == pytest.approx(0.01, abs=5e-5)  # the 1% column, N=10
    assert erlang_b(1, 1) == pytest.approx(0.5)
    assert erlang_b(3, 0) == 1.0
    assert erlang_b(0, 5) == 0.0


def test_erlang_b_is_stable_for_large_systems():
    """Thousands of servers neither overflow nor leave [0, 1]."""
    b = erlang_b(1900.0, 2000)
    assert 0.0 < b < 0.01
    assert erlang_b(2100.0, 2000) > 0.04


def test_erlang_b_rejects_negative_inputs():
    """Negative traffic or server counts are errors."""
    with pytest.raises(ValueError, match="offered"):
        erlang_b(-1.0, 3)
    with pytest.raises(ValueError, match="servers"):
        erlang_b(1.0, -1)


def test_erlang_c_textbook_value():
    """A=2 erlangs on c=3 servers waits with probability 4/9."""
    assert erlang_c(2.0, 3) == pytest.approx(4 / 9, rel=1e-12)


@pytest.mark.parametrize(("a", "c"), [(0.5, 1), (7.5, 10), (28.0, 32), (11.9, 12)])
def test_erlang_c_matches_the_direct_formula(a, c):
    """Erlang C via Erlang B agrees with the closed form."""
    assert erlang_c(a, c) == pytest.approx(erlang_c_direct(a, c), rel=1e-10)


def test_erlang_c_single_server_is_utilisation():
    """In M/M/1 the probability of waiting is rho."""
    assert erlang_c(0.7, 1) == pytest.approx(0.7)


def test_erlang_c_unstable_queue_is_named():
    """A >= c raises ValueError naming both values."""
    with pytest.raises(ValueError, match=r"A=3\.0.*c=3"):
        erlang_c(3.0, 3)
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(10.0, 4)


def test_mmc_mean_wait_mm1_closed_form():
    """M/M/1: Wq = rho / (mu - lambda)."""
    lam, mu = 2.0, 3.0
    assert mmc_mean_wait(lam, mu, 1) == pytest.approx((lam / mu) / (mu - lam))


def test_mmc_mean_wait_mm3():
    """M/M/3 with lambda=2, mu=1: Wq = C / (c*mu - lambda) = 4/9."""
    assert mmc_mean_wait(2.0, 1.0, 3) == pytest.approx(4 / 9)


def test_mmc_mean_wait_unstable_raises():
    """Arrivals at or above total capacity raise ValueError."""
    with pytest.raises(ValueError, match="unstable"):
        mmc_mean_wait(6.0, 2.0, 3)


# -- estimates ----------------------------------------------------------------------------

def test_mean_ci_uses_student_t():
    """The half-width is t(0.975, n-1) * s / sqrt(n)."""
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    e = mean_ci(values)
    sd = math.sqrt(2.5)
    t975 = 2.7764451051977987  # t quantile for 4 degrees of freedom, from tables
    assert st.t.ppf(0.975, 4) == pytest.approx(t975)
    assert (e.mean, e.n) == (3.0, 5)
    assert e.sd == pytest.approx(sd)
    assert e.half_width == pytest.approx(t975 * sd / math.sqrt(5))
    assert e.low == pytest.approx(3.0 - e.half_width)
    assert e.high == pytest.approx(3.0 + e.half_width)


def test_mean_ci_other_level_is_narrower():
    """A 90% interval is narrower than a 95% one and says so in as_dict."""
    values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0]
    e90, e95 = mean_ci(values, 0.90), mean_ci(values)
    assert e90.half_width < e95.half_width
    assert e90.half_width == pytest.approx(
        st.t.ppf(0.95, 5) * statistics.stdev(values) / math.sqrt(6))
    assert set(e90.as_dict()) == {"mean", "sd", "ci90_low", "ci90_high", "n"}


def test_mean_ci_coverage_is_near_nominal():
    """Over many seeded small samples the 95% CI covers the true mean ~95% of the time.

    1,000 intervals: the binomial sd of the share is 0.7 %, so 93-97 % is +/- 2.9 sd
    (Python's Random(7) is a fixed stream: the count is the same on every run)."""
    rng = random.Random(7)
    covered = 0
    for _ in range(1000):
        e = mean_ci([rng.gauss(5.0, 3.0) for _ in range(5)])
        covered += e.low <= 5.0 <= e.high
    assert 0.93 <= covered / 1000 <= 0.97


def test_mean_ci_single_value_and_empty():
    """n=1 gives sd 0 and a zero-width interval; n=0 is an error."""
    e = mean_ci([4.2])
    assert (e.mean, e.sd, e.low, e.high, e.n) == (4.2, 0.0, 4.2, 4.2, 1)
    with pytest.raises(ValueError, match="at least one"):
        mean_ci([])
    with pytest.raises(ValueError, match="level"):
        mean_ci([1.0, 2.0], level=95)


def test_estimate_as_dict_keys():
    """as_dict reports mean, sd, ci95_low, ci95_high and n."""
    e = mean_ci([1.0, 2.0, 4.0])
    d = e.as_dict()
    assert d == {"mean": e.mean, "sd": e.sd, "ci95_low": e.low, "ci95_high": e.high, "n": 3}


def test_estimate_is_frozen():
    """Estimates are immutable values."""
    e = mean_ci([1.0, 2.0])
    with pytest.raises(AttributeError):
        e.mean = 3.0  # type: ignore[misc]


# -- Welch --------------------------------------------------------------------------------

def test_welch_flags_a_clear_regression():
    """A current mean two sd above baseline is worse when higher is worse."""
    rng = random.Random(11)
    baseline = [rng.gauss(10.0, 1.0) for _ in range(20)]
    current = [rng.gauss(12.0, 1.0) for _ in range(20)]
    worse, p = welch_worse(baseline, current, higher_is_worse=True)
    assert worse and p < 1e-4
    assert p == pytest.approx(st.ttest_ind(current, baseline, equal_var=False,
                                           alternative="greater").pvalue)


def test_welch_direction_matters():
    """The same shift is an improvement when lower is worse."""
    rng = random.Random(11)
    baseline = [rng.gauss(10.0, 1.0) for _ in range(20)]
    current = [rng.gauss(12.0, 1.0) for _ in range(20)]
    worse, p = welch_worse(baseline, current, higher_is_worse=False)
    assert not worse and p > 0.99


def test_welch_does_not_flag_an_equal_mean():
    """Known answer: equal means and spreads give t = 0, so p = 0.5 either way."""
    for higher_is_worse in (True, False):
        assert welch_worse([9.0, 10.0, 11.0], [8.0, 10.0, 12.0], higher_is_worse) == (
            False, pytest.approx(0.5))


def test_welch_p_value_known_answer():
    """Known answer: [0, 2] against [1, 3] is t = 1/sqrt(2) on 2 degrees of freedom,
    whose upper tail is 1/2 - t / (2 sqrt(2 + t**2)) = 1/2 - 1/(2 sqrt(5))."""
    expected = 0.5 - 1 / (2 * math.sqrt(5))
    assert welch_worse([0.0, 2.0], [1.0, 3.0], higher_is_worse=True) == (
        False, pytest.approx(expected))
    assert welch_worse([0.0, 2.0], [1.0, 3.0], True, alpha=0.3) == (
        True, pytest.approx(expected))
    assert welch_worse([0.0, 2.0], [1.0, 3.0], False)[1] == pytest.approx(1 - expected)


def test_welch_false_alarm_rate_is_about_alpha():
    """Under the null, about alpha of seeded comparisons are flagged."""
    rng = random.Random(99)
    flagged = sum(
        welch_worse([rng.gauss(0, 1) for _ in range(8)], [rng.gauss(0, 1) for _ in range(8)],
                    higher_is_worse=True)[0]
        for _ in range(1000))
    assert 0.03 <= flagged / 1000 <= 0.07


def test_welch_constant_samples():
    """Zero-variance samples compare means directly and never give NaN."""
    assert welch_worse([5.0, 5.0, 5.0], [5.0, 5.0], True) == (False, 1.0)
    assert welch_worse([5.0, 5.0], [6.0, 6.0], True) == (True, 0.0)
    assert welch_worse([5.0, 5.0], [6.0, 6.0], False) == (False, 1.0)
    assert welch_worse([0.0, 0.0], [0.0, 0.0], True) == (False, 1.0)
    # Float noise from summing differently is not a regression.
    assert welch_worse([0.3, 0.3], [0.1 + 0.2, 0.1 + 0.2], True) == (False, 1.0)


def test_welch_one_constant_sample_gives_a_real_p_value():
    """When only one side is constant the test still runs and p is finite."""
    baseline, current = [1.0, 1.0, 1.0, 1.0], [1.5, 1.6, 1.4, 1.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy's spurious precision warning is silenced
        worse, p = welch_worse(baseline, current, True)
    # With the baseline variance 0, Welch is t = (mean_c - 1) / sqrt(s_c^2 / 4) on 3 df.
    t = (statistics.fmean(current) - 1.0) / math.sqrt(statistics.variance(current) / 4)
    assert worse and p == pytest.approx(st.t.sf(t, 3))


def test_welch_needs_two_values_each():
    """A single replication cannot be tested; non-finite values are rejected."""
    with pytest.raises(ValueError, match="baseline"):
        welch_worse([1.0], [1.0, 2.0], True)
    with pytest.raises(ValueError, match="current"):
        welch_worse([1.0, 2.0], [math.nan, 2.0], True)


# -- thresholds ---------------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "metric", "op", "limit", "text"), [
    ("fallout.rate < 0.12", "fallout.rate", "<", 0.12, "fallout.rate < 0.12"),
    ("cycle_time_hours.p90 <= 96", "cycle_time_hours.p90", "<=", 96.0,
     "cycle_time_hours.p90 <= 96"),
    ("flow_through_rate > 0.8", "flow_through_rate", ">", 0.8, "flow_through_rate > 0.8"),
    ("  throughput.completed_per_day>=1e2 ", "throughput.completed_per_day", ">=", 100.0,
     "throughput.completed_per_day >= 1e2"),
    ("fallout.by_cause.timeout < 5", "fallout.by_cause.timeout", "<", 5.0,
     "fallout.by_cause.timeout < 5"),
    ("fallout.by_offering.Business Fibre 1G.rate < 0.2",
     "fallout.by_offering.Business Fibre 1G.rate", "<", 0.2,
     "fallout.by_offering.Business Fibre 1G.rate < 0.2"),
    ("margin > -1.5", "margin", ">", -1.5, "margin > -1.5"),
])
def test_parse_threshold_accepts(expr, metric, op, limit, text):
    """Well-formed expressions parse into metric, operator, limit and tidy text."""
    assert parse_threshold(expr) == Threshold(metric, op, limit, text)


@pytest.mark.parametrize(("expr", "complaint"), [
    ("", "empty"),
    ("   ", "empty"),
    ("fallout.rate 0.12", "no comparison operator"),
    ("fallout.rate == 0.12", "unsupported operator '=='"),
    ("fallout.rate = 0.12", "unsupported operator '='"),
    ("fallout.rate != 0.12", "unsupported operator '!='"),
    ("fallout.rate => 0.12", "unsupported operator '=>'"),
    ("0.1 < fallout.rate < 0.2", "more than one"),
    ("< 0.12", "no metric"),
    ("fallout.rate <", "no limit"),
    ("fallout.rate < lots", "'lots' is not a number"),
    ("fallout.rate < nan", "not a finite number"),
    ("fallout.rate < inf", "not a finite number"),
    ("0.12 > fallout.rate", "metric '0.12' is not a dotted path"),
    ("fallout..rate < 0.1", "not a dotted path"),
    ("fallout.rate. < 0.1", "not a dotted path"),
    ("fallout rate < 0.1", "not a dotted path"),
])
def test_parse_threshold_rejects(expr, complaint):
    """Bad expressions raise ValueError quoting the expression and the problem."""
    with pytest.raises(ValueError) as info:
        parse_threshold(expr)
    message = str(info.value)
    assert repr(expr) in message
    assert complaint in message


def test_threshold_rejects_unknown_operator_when_built_directly():
    """A Threshold cannot be built with an operator it cannot evaluate."""
    with pytest.raises(ValueError, match="operator"):
        Threshold("x", "==", 1.0, "x == 1")


def est(mean: float, low: float, high: float, n: int = 5) -> Estimate:
    return Estimate(mean, 1.0, low, high, n)


@pytest.mark.parametrize(("expr", "estimate", "verdict", "margin"), [
    # Upper bounds: mean below limit passes.
    ("fallout.rate < 0.12", est(0.10, 0.08, 0.14), "pass", -0.02),
    # Mean over the limit but CI reaches below it: not proven.
    ("fallout.rate < 0.12", est(0.13, 0.11, 0.15), "inconclusive", 0.01),
    # Whole CI above: fail.
    ("fallout.rate < 0.12", est(0.15, 0.13, 0.17), "fail", 0.03),
    # Strict < with CI low exactly on the limit: every value in the CI violates.
    ("fallout.rate < 0.12", est(0.13, 0.12, 0.14), "fail", 0.01),
    # <= with CI low on the limit: the limit itself complies.
    ("cycle_time_hours.p90 <= 96", est(97.0, 96.0, 98.0), "inconclusive", 1.0),
    ("cycle_time_hours.p90 <= 96", est(96.0, 95.0, 97.0), "pass", 0.0),
    # Lower bounds.
    ("flow_through_rate > 0.8", est(0.85, 0.78, 0.92), "pass", -0.05),
    ("flow_through_rate > 0.8", est(0.78, 0.75, 0.81), "inconclusive", 0.02),
    ("flow_through_rate > 0.8", est(0.70, 0.65, 0.75), "fail", 0.10),
    ("flow_through_rate >= 0.8", est(0.78, 0.76, 0.80), "inconclusive", 0.02),
    ("flow_through_rate > 0.8", est(0.78, 0.76, 0.80), "fail", 0.02),
])
def test_evaluate_threshold_verdicts(expr, estimate, verdict, margin):
    """Fail needs the whole CI past the limit; a violating mean alone is inconclusive."""
    result = evaluate_threshold(parse_threshold(expr), estimate)
    assert result.verdict == verdict
    assert result.margin == pytest.approx(margin)
    assert result.estimate is estimate


def test_evaluate_threshold_single_run_is_exact():
    """With one replication the zero-width interval makes any violation a fail."""
    t = parse_threshold("fallout.rate < 0.12")
    assert evaluate_threshold(t, mean_ci([0.125])).verdict == "fail"
    assert evaluate_threshold(t, mean_ci([0.115])).verdict == "pass"


# -- reports ------------------------------------------------------------------------------

REPORT = {
    "flow_through_rate": 0.83,
    "fallout": {"rate": 0.07, "orders": 12, "by_cause": {"timeout": 3, "element_error": 9},
                "by_offering": {"Business Fibre 1G": {"rate": 0.1}}},
    "cycle_time_hours": {"p50": 20.5, "p90": 71.25, "n": 40},
    "scenario": "small",
    "flags": {"ok": True},
}


def test_metric_at_reads_dotted_paths():
    """Dotted paths reach nested numbers, including cause and offering keys."""
    assert metric_at(REPORT, "flow_through_rate") == 0.83
    assert metric_at(REPORT, "fallout.rate") == 0.07
    assert metric_at(REPORT, "cycle_time_hours.p90") == 71.25
    value = metric_at(REPORT, "fallout.by_cause.timeout")
    assert value == 3.0 and isinstance(value, float)
    assert metric_at(REPORT, "fallout.by_offering.Business Fibre 1G.rate") == 0.1


def test_metric_at_missing_key_lists_available():
    """A missing key names the level and the keys that do exist there."""
    with pytest.raises(KeyError) as info:
        metric_at(REPORT, "fallout.by_cause.customer_not_home")
    message = str(info.value)
    assert "'customer_not_home'" in message and "fallout.by_cause" in message
    assert "timeout, element_error" in message
    with pytest.raises(KeyError, match="top level.*flow_through_rate, fallout"):
        metric_at(REPORT, "throughput.completed_per_day")


def test_metric_at_through_a_number_or_to_a_section():
    """Walking past a leaf is a KeyError; stopping at a section or non-number a TypeError."""
    with pytest.raises(KeyError, match="fallout.rate is a float"):
        metric_at(REPORT, "fallout.rate.p90")
    with pytest.raises(TypeError, match="section.*p50, p90, n"):
        metric_at(REPORT, "cycle_time_hours")
    with pytest.raises(TypeError, match="str"):
        metric_at(REPORT, "scenario")
    with pytest.raises(TypeError, match="bool"):
        metric_at(REPORT, "flags.ok")


def test_junit_xml_counts_and_describes_failures():
    """JUnit XML parses, has one testcase per threshold and a failure per 'fail'."""
    results = [
        evaluate_threshold(parse_threshold("fallout.rate < 0.12"), est(0.15, 0.13, 0.17)),
        evaluate_threshold(parse_threshold("flow_through_rate > 0.8"), est(0.85, 0.8, 0.9)),
        evaluate_threshold(parse_threshold("cycle_time_hours.p90 <= 96"),
                           est(97.0, 95.0, 99.0)),
    ]
    assert [r.verdict for r in results] == ["fail", "pass", "inconclusive"]
    xml = junit_xml("omsim-gates", results)
    suite = ET.fromstring(xml)
    assert suite.tag == "testsuite"
    assert suite.get("name") == "omsim-gates"
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [r.threshold.text for r in results]
    assert len(suite.findall("testcase/failure")) == 1
    assert suite.find(".//skipped") is None
    failure = cases[0].find("failure")
    assert failure is not None
    message = failure.get("message", "")
    assert "mean 0.15" in message and "0.13 .. 0.17" in message and "< 0.12" in message
    assert cases[1].find("failure") is None and cases[2].find("failure") is None
    assert "inconclusive" in (cases[2].findtext("system-out") or "")


def test_junit_xml_empty_suite():
    """No thresholds gives an empty, valid suite."""
    suite = ET.fromstring(junit_xml("empty", []))
    assert (suite.get("tests"), suite.get("failures")) == ("0", "0")
