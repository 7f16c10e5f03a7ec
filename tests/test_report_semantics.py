"""What the report's figures mean, on small runs: Little's law's L, X and W over the same
orders, cycle times with the open orders counted (Kaplan-Meier) and their ages, both
flow-through figures, fallout per order type, and waits per crew."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from om import StateChanged
from om.orders import TERMINAL
from sim.elements.events import VisitStarted
from sim.measure.sojourn import censored_cycle_time
from sim.run.harness import build_run, finish
from sim.scenario.load import scenario_from_dict
from sim.units import DAY_S, HOUR_S
from tests.conftest import REPO, SMALL, small_dict


def _run(raw: dict) -> tuple[dict, list[StateChanged], list[VisitStarted]]:
    """Run a scenario mapping; return its report and the product orders' state changes
    and visit starts seen on the bus (what the tests check the report against)."""
    scenario = scenario_from_dict(raw, "test.yaml", REPO)
    run = build_run(scenario)
    changes: list[StateChanged] = []
    visits: list[VisitStarted] = []
    run.om.bus.subscribe(StateChanged, lambda e: changes.append(e)
                         if e.entity == "productOrder" else None)
    run.om.bus.subscribe(VisitStarted, visits.append)
    run.env.run(until=scenario.duration_days * DAY_S)
    return finish(run, scenario, 0.0).data, changes, visits


@pytest.fixture(scope="module")
def small_run() -> tuple[dict, list[StateChanged], list[VisitStarted]]:
    # Two regions, cease orders beside the provides, and slow appointments: orders of
    # several types, fallout (unserviceable addresses) and orders open at the end.
    raw = small_dict(warmup_days=2, network={**SMALL["network"], "regions": 2},
                     workforce={"technicians": 12,
                                "appointment_lead_days": {"dist": "uniform", "low": 0,
                                                          "high": 3}},
                     arrivals=[*SMALL["arrivals"],
                               {"offering": "SuperFibre 200 Home", "order_type": "cease",
                                "rate_per_day": 6}])
    return _run(raw)


def test_littles_law_is_exact_up_to_the_orders_open_at_either_end(small_run):
    """L, X and W describe the same orders: over the measured window [w, T],
    L·(T - w) = X·(T - w)·W + (time after w of the orders open at T) - (time before w
    of the orders that left in the window), to the report's rounding. (Before, L counted
    every order but X only completed ones and W only completed ones submitted after w.)"""
    report, changes, _ = small_run
    w = report["sim"]["warmup_days"] * DAY_S
    end = report["sim"]["duration_days"] * DAY_S
    submitted = {e.id: e.at_s for e in changes if e.old == ""}
    ended = {e.id: e.at_s for e in changes if e.new in TERMINAL}
    open_after_w = sum(end - max(s, w) for o, s in submitted.items() if o not in ended)
    left_before_w = sum(w - submitted[o] for o, e in ended.items()
                        if submitted[o] < w <= e)
    s = report["in_system"]
    assert s["ended_per_day"] > 0 and open_after_w > 0 and left_before_w > 0
    window_days = (end - w) / DAY_S
    order_days = s["orders_mean"] * window_days
    through = s["ended_per_day"] * window_days * s["hours_mean"] / 24.0
    assert order_days == pytest.approx(through + (open_after_w - left_before_w) / DAY_S,
                                       rel=1e-5)
    assert s["ended_per_day"] * window_days == sum(1 for e in ended.values() if e >= w)


def test_open_orders_are_the_ones_in_flight_with_their_ages(small_run):
    """``open_orders`` counts the orders in flight at the end and gives their ages."""
    report, changes, _ = small_run
    end = report["sim"]["duration_days"] * DAY_S
    ended = {e.id for e in changes if e.new in TERMINAL}
    ages_h = [(end - e.at_s) / HOUR_S for e in changes if e.old == "" and e.id not in ended]
    o = report["open_orders"]
    assert o["orders"] == report["orders"]["in_flight"] == len(ages_h) > 10
    assert o["age_hours_max"] == pytest.approx(max(ages_h), abs=1e-6)
    assert o["age_hours_p50"] == pytest.approx(float(np.percentile(ages_h, 50)), abs=1e-6)


def test_censored_cycle_time_counts_the_open_orders(small_run):
    """Counting the orders still open (censored at their age) gives longer cycle times
    than the completed orders alone, over the completed and open orders of the cohort."""
    report, _, _ = small_run
    completed, km = report["cycle_time_hours"], report["cycle_time_hours_censored"]
    assert km["open"] == report["open_orders"]["measured"] > 10
    assert km["n"] == completed["n"] + km["open"]
    assert km["p90"] > completed["p90"] and km["mean"] > completed["mean"]


def _censored(orders: list[tuple[float, float | None, str]], end_s: float) -> dict:
    """censored_cycle_time of orders given as (submitted h, ended h or None, state)."""
    submitted, ended, states = zip(*orders, strict=True)
    return censored_cycle_time(np.array(submitted) * HOUR_S,
                               np.array([np.nan if e is None else e for e in ended]) * HOUR_S,
                               np.array(states) == "completed", end_s)


def test_censored_cycle_time_matches_the_completed_one_when_nothing_is_open():
    """With no order open, the censored percentiles are the completed orders' own
    (inverted-cdf quantiles); failed orders are left out of both."""
    hours = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 10.0]
    cohort = [(0.0, h, "completed") for h in hours] + [(0.0, 0.5, "failed")]
    km = _censored(cohort, 100 * HOUR_S)
    assert (km["p50"], km["p90"], km["p99"]) == (5.0, 9.0, 10.0)
    assert km["mean"] == pytest.approx(statistics.fmean(hours))
    assert (km["n"], km["open"], km["lower_bounds"]) == (10, 0, [])


def test_censored_percentile_out_of_reach_is_a_named_lower_bound():
    """When more orders are still open past the longest time observed than a
    percentile leaves, that percentile is the longest time, named a lower bound."""
    cohort = [(0.0, h, "completed") for h in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0)]
    cohort += [(0.0, None, "inProgress") for _ in range(3)]  # open, age 20 h
    km = _censored(cohort, 20 * HOUR_S)
    assert km["p50"] == 5.0
    assert km["p90"] == km["p99"] == 20.0
    assert km["lower_bounds"] == ["p90", "p99"]


def test_flow_through_of_submitted_and_of_ended(small_run):
    """Both flow-through figures count the same clean completions; one divides by the
    orders submitted after the warm-up, the other by those of them that ended."""
    report, _, _ = small_run
    measured = report["orders"]["measured"]
    ended = measured - report["open_orders"]["measured"]
    clean_of_submitted = report["flow_through_rate"] * measured
    clean_of_ended = report["flow_through_rate_of_ended"] * ended
    assert clean_of_submitted == pytest.approx(clean_of_ended, abs=1e-3)
    assert report["flow_through_rate_of_ended"] > report["flow_through_rate"]


def test_fallout_rate_per_order_type(small_run):
    """Each order type's fallout rate has that type's orders as its denominator, so a
    provide order's fallout is one lookup however many cease orders share the run."""
    report, _, _ = small_run
    by_type = report["fallout"]["by_order_type"]
    assert set(by_type) == {"provide", "cease"}
    assert sum(t["submitted"] for t in by_type.values()) == report["orders"]["measured"]
    assert sum(t["fallout"] for t in by_type.values()) == report["fallout"]["orders"]
    provide = by_type["provide"]
    assert provide["fallout"] > 0  # unserviceable addresses
    assert provide["rate"] == pytest.approx(provide["fallout"] / provide["submitted"],
                                            abs=1e-6)
    assert provide["rate"] > report["fallout"]["rate"]  # ceases dilute the overall rate


def test_queue_waits_per_crew(small_run):
    """Each region's crew reports the waits of its own visits started after the
    warm-up; together they make the workforce's figures."""
    report, _, visits = small_run
    workforce = report["utilisation"]["workforce"]
    warmup_s = report["sim"]["warmup_days"] * DAY_S
    crews = workforce["by_crew"]
    assert set(crews) == {"workforce:R01", "workforce:R02"}
    for crew, figures in crews.items():
        waits_h = [v.waited_s / HOUR_S for v in visits if v.crew == crew and v.at_s >= warmup_s]
        assert any(v.crew == crew and v.at_s < warmup_s for v in visits)  # cut at warm-up
        assert figures["queue_wait_hours_mean"] == pytest.approx(statistics.fmean(waits_h),
                                                                 abs=1e-6)
        assert figures["waited_share"] == pytest.approx(
            sum(w > 0 for w in waits_h) / len(waits_h), abs=1e-6)
        assert figures["technicians"] == 6
    assert sum(c["jobs_done"] for c in crews.values()) == workforce["jobs_done"]
