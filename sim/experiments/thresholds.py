"""Thresholds a CI gate judges: k6-style expressions on report paths
(``fallout.rate < 0.12``), parsed, and judged on an estimate over replications: *pass*
when the mean meets the limit, *fail* only when the whole confidence interval lies past
it, *inconclusive* in between.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sim.stats.estimates import Estimate

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
