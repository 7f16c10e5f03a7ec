"""The reference scenario scaled up: simulated product orders per wall second, SimPy
events per order and SimPy events per wall second (issue #7)."""

from __future__ import annotations

from workloads import env_int, run_engine, scaled_scenario

# scenarios/baseline.yaml brings about 5,556 orders in 30 days; the benchmark runs ten
# times that rate over the same 30 days on a network sized for it.
ENGINE_ORDERS = env_int("OMSIM_BENCH_ENGINE_ORDERS", 55_560)


def bench_engine(benchmark, figures):
    """One replication of the scaled reference scenario, timed per phase."""
    scenario = scaled_scenario(ENGINE_ORDERS)
    run = benchmark.pedantic(run_engine, args=(scenario,), rounds=1, iterations=1)
    assert run.orders > 0.9 * ENGINE_ORDERS  # the scaling really produced the orders
    assert run.completed > 0.8 * run.orders
    figures["engine.orders"] = run.orders
    figures["engine.events"] = run.events
    figures["engine.build_s"] = run.build_s
    figures["engine.simulate_s"] = run.simulate_s
    figures["engine.report_s"] = run.report_s
    figures["engine.seconds"] = run.seconds
    benchmark.extra_info.update(orders=run.orders, events=run.events,
                                simulate_s=run.simulate_s)
