"""Bytes per in-flight product order, with its service and resource orders, at 10 k and
100 k orders held in flight by a technician backlog (tracemalloc)."""

from __future__ import annotations

from workloads import env_int, in_flight_bytes

IN_FLIGHT = [10_000, env_int("OMSIM_BENCH_MEMORY_ORDERS", 100_000)]


def bench_memory_per_in_flight_order(benchmark, figures):
    """One run, measured when 10 k and when 100 k orders are in flight."""
    measured = benchmark.pedantic(in_flight_bytes, args=(IN_FLIGHT,), rounds=1,
                                  iterations=1)
    for target, (orders, held) in measured.items():
        assert orders >= target
        figures[f"memory.{target}.bytes"] = held
        figures[f"memory.{target}.bytes_per_order"] = held / orders
        benchmark.extra_info[f"bytes_per_order_{target}"] = held / orders
