"""The reference scenario scaled up: simulated product orders per wall second, SimPy
events per order and SimPy events per wall second (issue #7)."""

from __future__ import annotations

from workloads import each_round, env_int, run_engine, scaled_scenario

# scenarios/baseline.yaml brings about 5,556 orders in 30 days; the benchmark runs ten
# times that rate over the same 30 days on a network sized for it.
ENGINE_ORDERS = env_int("OMSIM_BENCH_ENGINE_ORDERS", 55_560)


def bench_engine(benchmark, figures):
    """Replications of the scaled reference scenario (the same seed each round), timed
    per phase."""
    scenario = scaled_scenario(ENGINE_ORDERS)
    runs = each_round(benchmark, lambda: run_engine(scenario))
    run = runs[0]
    assert run.orders > 0.9 * ENGINE_ORDERS  # the scaling really produced the orders
    assert run.completed > 0.8 * run.orders
    figures["engine.orders"] = run.orders
    figures["engine.events"] = run.events
    for phase in ("build_s", "simulate_s", "report_s", "seconds"):
        figures[f"engine.{phase}"] = [getattr(r, phase) for r in runs]
    benchmark.extra_info.update(orders=run.orders, events=run.events,
                                simulate_s=run.simulate_s)
