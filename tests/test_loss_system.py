"""Queueing theory: a single PON port with churn is an M/M/c/c loss system (Erlang B)."""

from __future__ import annotations

import math

from sim.experiments.replicate import replicate
from sim.scenario.load import load_scenario
from sim.stats.estimates import mean_ci
from sim.stats.queueing import erlang_b
from tests.conftest import SCENARIOS

OFFERING = "Fibre Line"

# The design of the Erlang B test. One replication's blocking share has a standard
# deviation of about 1.8 x B / sqrt(measured days) (measured: 0.185 B at 100 days,
# 0.255 B at 50, over 32 replications each), so 16 replications of 100 measured days
# estimate B with a standard error of 4.5 % of it. The tolerance, 15 % of B, is then
# 3.3 standard errors: the test fails by chance once in about 1,000 changes of the
# random streams. It still catches what matters: B's elasticity to the offered load is
# 5.9 here, so 15 % of B is a 2.5 % error in how long ONT ids are held or how often
# they are asked for, and a 5 % error (B off by 30 %, 6.7 standard errors) fails it
# all but surely. (The 95 % interval of 16 x 240 days it replaces caught 2 % but also
# failed once in 20 stream changes, at 2.6 times the cost.)
REPLICATIONS = 16
MEASURED_DAYS = 100
WARMUP_DAYS = 5  # from an empty port; holding times average 1 day
TOLERANCE = 0.15  # of B


def test_pon_port_blocking_matches_erlang_b():
    """Orders blocked for lack of an ONT id match B(28 Erlang, 32) = 0.0665 to within
    15 %, from 16 independent replications (see the design above)."""
    scenario = load_scenario(SCENARIOS / "erlang_b_pon_port.yaml",
                             {"duration_days": WARMUP_DAYS + MEASURED_DAYS,
                              "warmup_days": WARMUP_DAYS})
    runs = replicate(scenario, REPLICATIONS, workers=2)
    blocking = []
    for report in runs.reports:
        # Churn's cease orders share fallout.rate's denominator; the provide orders'
        # own rate is the blocking probability.
        provide = report["fallout"]["by_order_type"]["provide"]
        assert set(report["fallout"]["by_cause"]) == {"resource_exhausted"}
        assert provide["submitted"] == report["fallout"]["by_offering"][OFFERING]["submitted"]
        blocking.append(provide["rate"])
    expected = erlang_b(28.0, 32)
    assert abs(expected - 0.0665) < 5e-4
    estimate = mean_ci(blocking)
    standard_error = estimate.sd / math.sqrt(estimate.n)
    assert abs(estimate.mean - expected) < TOLERANCE * expected, (estimate, expected)
    # The design holds: the tolerance is well over a standard error of this estimate.
    assert standard_error < TOLERANCE * expected / 1.5, estimate


def test_loss_system_releases_every_ont_id():
    """With churn, the port's ONT ids are only held by customers still in service."""
    from sim.run.harness import build_run
    # Ten days: ten mean holding times, about 280 customers through a full port.
    scenario = load_scenario(SCENARIOS / "erlang_b_pon_port.yaml",
                             {"duration_days": 10, "warmup_days": 1})
    run = build_run(scenario)
    run.env.run(until=10 * 86400)
    port = next(iter(run.om.network.ports.values()))
    active = [p for p in run.om.products.products.values() if p.status == "active"]
    assert port.ont_ids.in_use <= 32
    assert port.ont_ids.in_use == len(run.om.resources) == len(active)
