"""Queueing theory: a single PON port with churn is an M/M/c/c loss system (Erlang B)."""

from __future__ import annotations

from sim.replicate import replicate
from sim.scenario import load_scenario
from sim.stats import erlang_b, mean_ci
from tests.conftest import SCENARIOS

OFFERING = "Fibre Line"


def test_pon_port_blocking_matches_erlang_b():
    """Orders blocked for lack of an ONT id match B(28 Erlang, 32) within the 95 % CI of
    16 independent replications, and that interval is tight (half-width < 10 % of B)."""
    scenario = load_scenario(SCENARIOS / "erlang_b_pon_port.yaml",
                             {"duration_days": 260, "warmup_days": 20})
    runs = replicate(scenario, 16, workers=2)
    blocking = []
    for report in runs.reports:
        provide = report["fallout"]["by_offering"][OFFERING]
        assert set(report["fallout"]["by_cause"]) == {"resource_exhausted"}
        blocking.append(provide["fallout"] / provide["submitted"])
    estimate = mean_ci(blocking)
    expected = erlang_b(28.0, 32)
    assert abs(expected - 0.0665) < 5e-4
    assert estimate.low <= expected <= estimate.high, (estimate, expected)
    assert estimate.half_width < 0.1 * expected, estimate


def test_loss_system_releases_every_ont_id():
    """With churn, the port's ONT ids are only held by customers still in service."""
    from sim.harness import build_run
    scenario = load_scenario(SCENARIOS / "erlang_b_pon_port.yaml", {"duration_days": 30})
    run = build_run(scenario)
    run.env.run(until=30 * 86400)
    port = next(iter(run.om.network.ports.values()))
    active = [p for p in run.om.products.products.values() if p.status == "active"]
    assert port.ont_ids.in_use <= 32
    assert port.ont_ids.in_use == len(run.om.resources) == len(active)
