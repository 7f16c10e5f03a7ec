"""The floor omsim is measured against, in the same session: a bare SimPy timeout loop
processing as many events as the engine benchmark did, and a bare SimPy M/M/c queue."""

from __future__ import annotations

from workloads import MMC, MMC_CUSTOMERS, bare_mmc, bare_timeout_loop, each_round


def bench_bare_timeout_loop(benchmark, figures):
    """Pure timeouts over 100 processes: SimPy's own event rate on this machine."""
    events = int(figures.get("engine.events") or 2_000_000)
    rounds = each_round(benchmark, lambda: bare_timeout_loop(events))
    assert all(processed >= events for processed, _ in rounds)
    figures["bare.events"] = [processed for processed, _ in rounds]
    figures["bare.seconds"] = [wall for _, wall in rounds]


def bench_bare_mmc(benchmark, figures):
    """The textbook SimPy M/M/c (a process per customer, a Resource of c servers)."""
    rounds = each_round(benchmark, lambda: bare_mmc(customers=MMC_CUSTOMERS, **MMC))
    assert all(served > 0.99 * MMC_CUSTOMERS for served, _ in rounds)
    figures["mmc.bare.customers"] = [served for served, _ in rounds]
    figures["mmc.bare.seconds"] = [wall for _, wall in rounds]
