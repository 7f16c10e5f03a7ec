"""The floor omsim is measured against, in the same session: a bare SimPy timeout loop
processing as many events as the engine benchmark did, and a bare SimPy M/M/c queue."""

from __future__ import annotations

from workloads import MMC, MMC_CUSTOMERS, bare_mmc, bare_timeout_loop, fastest


def bench_bare_timeout_loop(benchmark, figures):
    """Pure timeouts over 100 processes: SimPy's own event rate on this machine."""
    events = int(figures.get("engine.events") or 2_000_000)
    processed, wall = fastest(3, benchmark, lambda: bare_timeout_loop(events))
    assert processed >= events
    figures["bare.events"] = processed
    figures["bare.seconds"] = wall


def bench_bare_mmc(benchmark, figures):
    """The textbook SimPy M/M/c (a process per customer, a Resource of c servers)."""
    served, wall = fastest(3, benchmark, lambda: bare_mmc(customers=MMC_CUSTOMERS, **MMC))
    assert served > 0.99 * MMC_CUSTOMERS
    figures["mmc.bare.customers"] = served
    figures["mmc.bare.seconds"] = wall
