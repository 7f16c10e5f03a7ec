"""Statistics for sizing and judging runs: queueing formulas, confidence intervals,
regression tests and the threshold expressions CI gates on.

Everything here is a pure function of its arguments: no SimPy, no run state. Times and
rates come in whatever unit the caller uses, as long as it is the same one throughout
(``mmc_mean_wait`` with rates per hour gives a wait in hours).
"""

from __future__ import annotations

import math
import numbers
import operator
import re
import statistics
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scipy import stats as _st

__all__ = [
    "Estimate",
    "Threshold",
    "ThresholdResult",
    "erlang_b",
    "erlang_c",
    "evaluate_threshold",
    "junit_xml",
    "mean_ci",
    "metric_at",
    "mmc_mean_wait",
    "parse_threshold",
    "welch_worse",
]


# -- queueing -----------------------------------------------------------------------------

def erlang_b(offered_erlangs: float, servers: int) -> float:
    """Probability that an arrival is blocked in an M/M/c/c loss system (Erlang B).

    *offered_erlangs* is the offered traffic A = arrival rate / service rate.
    """
    if offered_erlangs < 0:
        raise ValueError(f"offered traffic must be >= 0 erlangs, got {offered_erlangs}")
    if servers < 0:
        raise ValueError(f"servers must be >= 0, got {servers}")
    # The recursion stays within [0, 1] at every step; A**c / c! overflows long before
    # the numbers get interesting (c ~ 170).
    b = 1.0
    for k in range(1, servers + 1):
        ab = offered_erlangs * b
        b = ab / (k + ab)
    return b


def erlang_c(offered_erlangs: float, servers: int) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang C)."""
    if servers < 1:
        raise ValueError(f"an M/M/c queue needs servers >= 1, got {servers}")
    if offered_erlangs >= servers:
        raise ValueError(f"unstable queue: offered traffic A={offered_erlangs} erlangs "
                         f">= c={servers} servers, so the queue grows without bound")
    b = erlang_b(offered_erlangs, servers)
    # Standard identity between the two; avoids a second sum.
    return servers * b / (servers - offered_erlangs * (1.0 - b))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time an arrival spends queueing (not in service) in M/M/c, Wq.

    Rates are per unit time (e.g. per hour); the result is in that time unit.
    """
    if arrival_rate < 0 or service_rate <= 0:
        raise ValueError(f"need arrival_rate >= 0 and service_rate > 0, "
                         f"got {arrival_rate} and {service_rate}")
    c = erlang_c(arrival_rate / service_rate, servers)
    return c / (servers * service_rate - arrival_rate)


# -- estimates over replications -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Estimate:
    """A sample mean with its standard deviation and a confidence interval."""

    mean: float
    sd: float
    low: float
    high: float
    n: int
    level: float = 0.95

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
        pct = _pct(self.level)
        return {"mean": self.mean, "sd": self.sd, f"ci{pct}_low": self.low,
                f"ci{pct}_high": self.high, "n": self.n}


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


# -- thresholds ---------------------------------------------------------------------------

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
# First segment is an identifier; later ones may be report keys such as cause names or
# offering names ("fallout.by_offering.Business Fibre 1G.rate").
_METRIC = re.compile(r"[A-Za-z_]\w*(?:\.[\w-]+(?: [\w-]+)*)*")
_OPERATOR = re.compile(r"[<>=!]+")

Verdict = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True, slots=True)
class Threshold:
    """One gate, e.g. ``fallout.rate < 0.12``; *text* is the expression, tidied."""

    metric: str
    op: str
    limit: float
    text: str

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"threshold {self.text!r}: operator {self.op!r} is not one of "
                             f"{', '.join(_OPS)}")

    def holds(self, value: float) -> bool:
        """Whether *value* satisfies the threshold."""
        return _OPS[self.op](value, self.limit)


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    """A threshold judged against an estimate.

    *margin* is how far the mean lies past the limit, in the metric's unit: positive when
    violated, zero or negative when satisfied.
    """

    threshold: Threshold
    estimate: Estimate
    verdict: Verdict
    margin: float


def parse_threshold(expr: str) -> Threshold:
    """Parse ``<metric> <op> <number>``, op one of < <= > >=, metric a dotted path."""
    def bad(what: str) -> ValueError:
        return ValueError(f"threshold {expr!r}: {what}")

    s = expr.strip()
    if not s:
        raise bad("empty expression; expected e.g. 'fallout.rate < 0.12'")
    ops = _OPERATOR.findall(s)
    if not ops:
        raise bad("no comparison operator; expected one of <, <=, >, >=")
    if len(ops) > 1:
        raise bad(f"more than one comparison operator ({', '.join(ops)}); use exactly one")
    op = ops[0]
    if op not in _OPS:
        raise bad(f"unsupported operator {op!r}; expected one of <, <=, >, >=")
    left, right = (part.strip() for part in s.split(op))
    if not left:
        raise bad(f"no metric before {op!r}")
    if not right:
        raise bad(f"no limit after {op!r}")
    if not _METRIC.fullmatch(left):
        raise bad(f"metric {left!r} is not a dotted path such as 'cycle_time_hours.p90' "
                  f"(the metric goes on the left, the number on the right)")
    try:
        limit = float(right)
    except ValueError:
        raise bad(f"limit {right!r} is not a number") from None
    if not math.isfinite(limit):
        raise bad(f"limit {right!r} is not a finite number")
    return Threshold(left, op, limit, f"{left} {op} {right}")


def evaluate_threshold(t: Threshold, estimate: Estimate) -> ThresholdResult:
    """Judge *t* on *estimate*: pass, fail (CI wholly past the limit) or inconclusive."""
    upper_bound = t.op in ("<", "<=")
    margin = estimate.mean - t.limit if upper_bound else t.limit - estimate.mean
    if t.holds(estimate.mean):
        verdict: Verdict = "pass"
    else:
        # Fail only if even the end of the interval nearest to compliance violates: a
        # gate that fails on noise gets switched off.
        best = estimate.low if upper_bound else estimate.high
        verdict = "inconclusive" if t.holds(best) else "fail"
    return ThresholdResult(t, estimate, verdict, margin)


def metric_at(report: Mapping[str, Any], path: str) -> float:
    """The number at dotted *path* in a nested report, e.g. ``fallout.by_cause.timeout``."""
    node: Any = report
    walked: list[str] = []
    for key in path.split("."):
        where = ".".join(walked) or "the top level"
        if not isinstance(node, Mapping):
            raise KeyError(f"{path!r}: {where} is a {type(node).__name__}, not a section, "
                           f"so it has no key {key!r}")
        if key not in node:
            available = ", ".join(map(str, node)) or "(none)"
            raise KeyError(f"{path!r}: no key {key!r} at {where}; available: {available}")
        node = node[key]
        walked.append(key)
    # bool is an int, but a flag is not a metric; numbers.Real also admits numpy scalars.
    if isinstance(node, bool) or not isinstance(node, numbers.Real):
        if isinstance(node, Mapping):
            raise TypeError(f"{path!r} is a section, not a number; pick one of: "
                            f"{', '.join(map(str, node)) or '(none)'}")
        raise TypeError(f"{path!r} is a {type(node).__name__}, not a number")
    return float(node)


def junit_xml(suite_name: str, results: list[ThresholdResult]) -> str:
    """JUnit XML for CI: one testcase per threshold, a failure for each "fail" verdict."""
    failures = sum(1 for r in results if r.verdict == "fail")
    suite = ET.Element("testsuite", name=suite_name, tests=str(len(results)),
                       failures=str(failures), errors="0", skipped="0")
    for r in results:
        case = ET.SubElement(suite, "testcase", name=r.threshold.text, classname=suite_name)
        detail = _describe(r)
        if r.verdict == "fail":
            failure = ET.SubElement(case, "failure", message=detail, type="threshold")
            failure.text = detail
        else:
            # Inconclusive counts as passing, but CI logs should still say so.
            ET.SubElement(case, "system-out").text = f"{r.verdict}: {detail}"
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _describe(r: ThresholdResult) -> str:
    e, t = r.estimate, r.threshold
    return (f"{t.metric} mean {e.mean:.6g} ({_pct(e.level)}% CI {e.low:.6g} .. {e.high:.6g}, "
            f"n={e.n}); limit {t.op} {t.limit:g}; margin {r.margin:+.6g}")


def _pct(level: float) -> str:
    # 0.95 -> "95", 0.975 -> "97.5"; rounding hides float noise such as 94.99999999999999.
    return f"{round(level * 100, 6):g}"
