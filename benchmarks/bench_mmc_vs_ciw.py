"""omsim configured as the Erlang C technician scenario against Ciw on the same M/M/c:
customers per wall second, side by side in one session."""

from __future__ import annotations

from workloads import MMC, MMC_CUSTOMERS, ciw_mmc, each_round, erlang_c_scenario, run_engine


def bench_ciw_mmc(benchmark, figures):
    """Ciw, a dedicated queueing simulator, on the M/M/c until MMC_CUSTOMERS arrived."""
    until_h = MMC_CUSTOMERS / MMC["arrival_rate"]
    rounds = each_round(benchmark, lambda: ciw_mmc(until=until_h, **MMC))
    assert all(served > 0.95 * MMC_CUSTOMERS for served, _ in rounds)
    figures["mmc.ciw.customers"] = [served for served, _ in rounds]
    figures["mmc.ciw.seconds"] = [wall for _, wall in rounds]


def bench_omsim_erlang_c(benchmark, figures):
    """The whole order manager (COM, SOM, ROM, workforce) as the same M/M/c: each
    customer is a product order whose only item is one install visit."""
    days = MMC_CUSTOMERS / MMC["arrival_rate"] / 24
    scenario = erlang_c_scenario(MMC["arrival_rate"], MMC["servers"],
                                 60.0 / MMC["service_rate"], days)
    runs = each_round(benchmark, lambda: run_engine(scenario))
    assert all(run.completed > 0.95 * MMC_CUSTOMERS for run in runs)
    figures["mmc.omsim.customers"] = [run.completed for run in runs]
    figures["mmc.omsim.seconds"] = [run.seconds for run in runs]
