"""omsim configured as the Erlang C technician scenario against Ciw on the same M/M/c:
customers per wall second, side by side in one session."""

from __future__ import annotations

from workloads import MMC, MMC_CUSTOMERS, ciw_mmc, erlang_c_scenario, fastest, run_engine


def bench_ciw_mmc(benchmark, figures):
    """Ciw, a dedicated queueing simulator, on the M/M/c until MMC_CUSTOMERS arrived."""
    until_h = MMC_CUSTOMERS / MMC["arrival_rate"]
    served, wall = fastest(3, benchmark, lambda: ciw_mmc(until=until_h, **MMC))
    assert served > 0.95 * MMC_CUSTOMERS
    figures["mmc.ciw.customers"] = served
    figures["mmc.ciw.seconds"] = wall


def bench_omsim_erlang_c(benchmark, figures):
    """The whole order manager (COM, SOM, ROM, workforce) as the same M/M/c: each
    customer is a product order whose only item is one install visit."""
    days = MMC_CUSTOMERS / MMC["arrival_rate"] / 24
    scenario = erlang_c_scenario(MMC["arrival_rate"], MMC["servers"],
                                 60.0 / MMC["service_rate"], days)
    run = benchmark.pedantic(run_engine, args=(scenario,), rounds=1, iterations=1)
    assert run.completed > 0.95 * MMC_CUSTOMERS
    figures["mmc.omsim.customers"] = run.completed
    figures["mmc.omsim.seconds"] = run.seconds
