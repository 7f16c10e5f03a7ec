"""Analytic validation: the emulator reproduces queueing theory within its confidence
intervals.

The workforce is run as an M/M/c queue: a one-RFS catalog whose only step is a
technician visit, Poisson install requests, exponential install times, c technicians on
a 24-hour shift, no travel and no appointment lead time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.replicate import Replications, replicate
from sim.scenario import scenario_from_dict
from sim.stats import erlang_c, mean_ci, mmc_mean_wait

TECHNICIANS = 5
ARRIVALS_PER_HOUR = 2.0
INSTALL_MIN = 120.0  # mean; service rate 0.5 per hour, offered traffic 4 erlangs (rho 0.8)


@pytest.fixture(scope="module")
def mmc_runs(tmp_path_factory: pytest.TempPathFactory) -> Replications:
    tmp: Path = tmp_path_factory.mktemp("mmc")
    (tmp / "catalog.yaml").write_text(yaml.safe_dump({
        "name": "one-visit",
        "resource_facing_services": {"RFS_Visit": {"element": "workforce"}},
        "customer_facing_services": {"CFS_Visit": {"rfs": ["RFS_Visit"]}},
        "product_offerings": {"Install": {"segment": "b2c", "cfs": ["CFS_Visit"]}},
    }))
    raw = {
        "name": "mmc", "seed": 3, "duration_days": 40, "warmup_days": 4,
        "catalog": "catalog.yaml",
        "network": {"exchanges": 1, "olts_per_exchange": 1, "line_cards_per_olt": 1,
                    "pon_ports_per_line_card": 4, "bngs": 1, "regions": 1},
        "workforce": {"technicians": TECHNICIANS, "shift_start_hour": 0, "shift_end_hour": 24,
                      "travel_min": 0, "install_min": {"dist": "exponential",
                                                       "mean": INSTALL_MIN},
                      "appointment_lead_days": 0},
        "arrivals": [{"offering": "Install", "rate_per_day": ARRIVALS_PER_HOUR * 24}],
    }
    return replicate(scenario_from_dict(raw, "mmc.yaml", tmp), 10, workers=2)


def test_technician_wait_matches_erlang_c(mmc_runs):
    """M/M/c: mean queue wait for a technician is Erlang C's Wq, within the 95 % CI."""
    wq = mmc_mean_wait(ARRIVALS_PER_HOUR, 60.0 / INSTALL_MIN, TECHNICIANS)
    wait = mmc_runs.utilisation.workforce.queue_wait_hours_mean
    assert wait.lower <= wq <= wait.upper
    assert wait.half_width < 0.3 * wq  # and the interval is tight enough to mean something


def test_probability_of_waiting_matches_erlang_c(mmc_runs):
    """M/M/c: the share of jobs that had to wait is Erlang C's P(wait), within the CI."""
    p_wait = erlang_c(ARRIVALS_PER_HOUR * INSTALL_MIN / 60.0, TECHNICIANS)
    waited = mmc_runs.utilisation.workforce.waited_share
    assert waited.lower <= p_wait <= waited.upper
    assert waited.half_width < 0.05


def test_technician_utilisation_is_offered_load_per_server(mmc_runs):
    """M/M/c: technicians are busy rho = lambda / (c mu) of the time, within the CI."""
    rho = ARRIVALS_PER_HOUR * INSTALL_MIN / 60.0 / TECHNICIANS
    busy = mmc_runs.utilisation.workforce.busy_share
    assert busy.lower <= rho <= busy.upper


def test_littles_law_holds_on_the_report(mmc_runs):
    """Little's law on a stationary scenario: orders in system = throughput x cycle time."""
    v = {k: np.array(x) for k, x in mmc_runs.values().items()}
    in_system = v["in_system.orders_mean"]
    per_hour = v["throughput.completed_per_day"] / 24.0
    assert v["fallout.rate"].max() == 0  # every order completes, so cycle time is sojourn
    relative_gap = (in_system - per_hour * v["cycle_time_hours.mean"]) / in_system
    gap = mean_ci(list(relative_gap))
    assert gap.lower <= 0.0 <= gap.upper
    assert abs(gap.mean) < 0.02
