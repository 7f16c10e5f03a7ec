"""Intervals of proportions stay inside [0, 1]: Wilson's score interval for the effective
number of trials (sim.stats.estimates.proportion_ci), used for every figure the report
names a proportion (sim.measure.proportions), in summaries and the HTML report."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from sim.experiments.replicate import replicate
from sim.measure.proportions import estimate, is_proportion
from sim.report.html import render
from sim.scenario.load import scenario_from_dict
from sim.stats.estimates import mean_ci, proportion_ci
from tests.conftest import REPO, SMALL, small_dict


def test_wilson_stays_inside_where_students_t_goes_below_zero():
    """A small fallout rate seen in one replication of three: Student's t interval goes
    below 0, Wilson's does not, and still holds the mean."""
    values = [0.0, 0.0, 0.01]
    assert mean_ci(values).low < 0
    e = proportion_ci(values)
    assert 0.0 <= e.low < e.mean < e.high <= 1.0
    assert e.interval == "wilson" and e.as_dict()["interval"] == "wilson"


def test_wilson_covers_a_small_rate_95_percent_of_the_time():
    """Coverage, by simulation: 4,000 sets of 5 replications of 400 orders each, a 1 %
    fallout probability. The interval holds the true rate 95 % of the time, to within
    0.02 (4 standard errors of a simulated coverage), and never leaves [0, 1]."""
    rng = np.random.default_rng(20261201)
    p, hits = 0.01, 0
    for _ in range(4000):
        e = proportion_ci(list(rng.binomial(400, p, 5) / 400))
        assert e.low >= 0.0 and e.high <= 1.0
        hits += e.low <= p <= e.high
    assert abs(hits / 4000 - 0.95) < 0.02, hits / 4000


def test_wilson_is_students_t_away_from_the_bounds():
    """Far from 0 and 1 with many effective trials, the two intervals nearly agree."""
    values = [0.41, 0.39, 0.40, 0.42, 0.38, 0.40]
    t, w = mean_ci(values), proportion_ci(values)
    assert w.low == pytest.approx(t.low, abs=0.02 * t.half_width)
    assert w.high == pytest.approx(t.high, abs=0.02 * t.half_width)


def test_replications_that_agree_give_the_point():
    """No spread: the point, as for Student's t (and one replication likewise)."""
    assert (proportion_ci([0.0, 0.0, 0.0]).low, proportion_ci([0.0, 0.0]).high) == (0, 0)
    one = proportion_ci([0.3])
    assert (one.low, one.high, one.n) == (0.3, 0.3, 1)


def test_a_value_that_is_no_proportion_is_refused():
    with pytest.raises(ValueError, match=r"values\[1\] = 1.5 is not a proportion"):
        proportion_ci([0.5, 1.5])


@pytest.mark.parametrize(("path", "proportion"), [
    ("fallout.rate", True), ("fallout.by_order_type.provide.rate", True),
    ("flow_through_rate", True), ("flow_through_rate_of_ended", True),
    ("utilisation.workforce.busy_share", True), ("utilisation.ipv4_address.peak", True),
    ("utilisation.ont_id.mean", True), ("sla.by_offering.Fibre.attainment", True),
    ("utilisation.workforce.by_crew.workforce:R01.waited_share", True),
    ("cycle_time_hours.mean", False), ("in_system.orders_mean", False),
    ("fallout.by_order_type.provide.fallout", False), ("throughput.completed_per_day", False),
])
def test_which_figures_are_proportions(path, proportion):
    assert is_proportion(path) is proportion


def test_a_proportion_out_of_range_keeps_students_t():
    """A figure named like a proportion that is not one (a value above 1) is not forced
    into [0, 1]; the test below keeps every shipped proportion in range."""
    assert estimate("x.rate", [0.5, 1.5]).interval == "t"


_ROW = re.compile(r"<tr><td>([^<]+)</td><td>[^<]*</td><td>[^<]*</td>"
                  r"<td>(-?[\d.,e+-]+) &ndash; (-?[\d.,e+-]+)")


def test_no_proportion_interval_leaves_zero_to_one_in_summaries_or_html(tmp_path):
    """Three replications of a run whose fallout is rare (3 unserviceable addresses in
    about 1,000): Student's t would put some proportion's interval below 0; in
    summary.json and in the HTML report no proportion's interval leaves [0, 1], and
    every proportion of the reports is one."""
    raw = small_dict(network={**SMALL["network"], "unserviceable_addresses": 3})
    runs = replicate(scenario_from_dict(raw, "rare.yaml", REPO), 3, workers=1)
    values = runs.values()
    shares = {p: v for p, v in values.items() if is_proportion(p)}
    assert all(0.0 <= x <= 1.0 for v in shares.values() for x in v)
    assert any(mean_ci(v).low < 0 for v in shares.values())  # t would have crossed 0

    summary = json.loads(json.dumps(runs.summary_json()))
    scanned = 0

    def scan(node: dict, path: str) -> None:
        nonlocal scanned
        if "ci95_low" in node:
            if is_proportion(path):
                assert 0.0 <= node["ci95_low"] <= node["ci95_high"] <= 1.0, (path, node)
                assert node["interval"] == "wilson"
                scanned += 1
            return
        for key, child in node.items():
            scan(child, f"{path}.{key}" if path else key)

    scan(summary["metrics"], "")
    assert scanned == len(shares)

    rows = _ROW.findall(render({"scenario": "rare", "seed": 7}, runs.reports))
    html_shares = [(p, float(lo.replace(",", "")), float(hi.replace(",", "")))
                   for p, lo, hi in rows if is_proportion(p)]
    assert len(html_shares) == len(shares)
    for path, low, high in html_shares:
        assert 0.0 <= low <= high <= 1.0, (path, low, high)
