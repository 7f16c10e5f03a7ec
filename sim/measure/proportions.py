"""Which figures of the run report are proportions (a share of something, in [0, 1]),
and the interval their estimates over replications get: a Wilson score interval, which
stays inside [0, 1] where Student's t interval of a small rate went below 0
(:func:`sim.stats.estimates.proportion_ci`).

The report names its proportions so that the name says it: a figure called
``attainment``, or with ``rate`` or ``share`` among the words of its name
(``fallout.rate``, ``flow_through_rate_of_ended``, ``busy_share``), is one; so are the
``mean`` and ``peak`` of a pool under ``utilisation`` (shares of its capacity). A new
figure that is not a share must not be named that way (a figure so named whose values
are not all in [0, 1] keeps Student's t interval, and the tests check every proportion
of real reports lies in [0, 1]).
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.stats.estimates import Estimate, mean_ci, proportion_ci

_WORDS = frozenset({"rate", "share"})
_POOL_SHARES = frozenset({"mean", "peak"})


def is_proportion(path: str) -> bool:
    """Is the report figure at the dotted ``path`` a proportion?"""
    parts = path.split(".")
    leaf = parts[-1]
    if leaf == "attainment" or not _WORDS.isdisjoint(leaf.split("_")):
        return True
    return len(parts) == 3 and parts[0] == "utilisation" and leaf in _POOL_SHARES


def estimate(path: str, values: Sequence[float], level: float = 0.95) -> Estimate:
    """The estimate of the figure at ``path`` over replications: Wilson's interval for a
    proportion (when every value is one), Student's t otherwise."""
    if is_proportion(path) and all(0.0 <= v <= 1.0 for v in values):
        return proportion_ci(values, level)
    return mean_ci(values, level)
