"""One run in a process of its own, for the memory benchmarks (``bench_memory.py``):
its peak resident size is then the run's alone. Prints one JSON line of figures.

    .venv/bin/python benchmarks/memory_run.py churn 1000000 100000   # orders, customers
    .venv/bin/python benchmarks/memory_run.py churn 10000000 1000000 1095  # ..., days
    .venv/bin/python benchmarks/memory_run.py provide 100000         # orders, no churn

``churn``: a year (or DAYS days) of :func:`workloads.churn_scenario`. ``provide``: the
reference scenario scaled to that many orders (:func:`workloads.scaled_scenario`, no
churn), then no new orders until every order in flight has ended, so that what stays is
the live products (``rss_per_live_product_bytes``: resident growth over the run per
product). Resident sizes are read from /proc (VmRSS, VmHWM); CPU seconds per phase with
``workloads.clock``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from workloads import churn_scenario, clock, scaled_scenario

from sim.run.collector import collector_for_simulation
from sim.run.harness import build_run, events_processed, finish
from sim.units import DAY_S


def resident_mib() -> dict[str, float]:
    """This process's resident size now (VmRSS) and at its peak (VmHWM), in MiB."""
    fields = dict(line.split(":", 1) for line in
                  Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {key: int(fields[name].split()[0]) / 1024
            for key, name in (("now", "VmRSS"), ("peak", "VmHWM"))}


def measure(kind: str, orders: int, customers: int = 0, days: int = 365) -> dict[str, Any]:
    """Build, simulate and report one run; figures after each phase."""
    scenario = (churn_scenario(orders, customers, days) if kind == "churn"
                else scaled_scenario(orders))
    started = time.perf_counter()
    t0 = clock()
    run = build_run(scenario, keep_ended=False)
    t1 = clock()
    built = resident_mib()
    with collector_for_simulation(bounded=True):
        run.env.run(until=scenario.duration_days * DAY_S)
        if kind == "provide":  # no new orders; let those in flight end (60 days at most)
            assert run.arrivals is not None
            run.arrivals.stopped = True
            for _ in range(60):
                if not run.metrics.in_system:
                    break
                run.env.run(until=run.env.now + DAY_S)
    t2 = clock()
    simulated = resident_mib()
    live = sum(1 for p in run.om.products.products.values() if p.status != "terminated")
    report = finish(run, scenario, t2 - t0)
    t3 = clock()
    grown_bytes = (simulated["now"] - built["now"]) * 2**20
    return {"kind": kind, "orders": report["orders"]["submitted"],
            "completed": report["orders"]["completed"], "in_flight": run.metrics.in_system,
            "live_products": live, "events": events_processed(run.env),
            "build_s": t1 - t0, "simulate_s": t2 - t1, "report_s": t3 - t2,
            "rss_built_mib": built["now"], "rss_simulated_mib": simulated["now"],
            "rss_peak_simulating_mib": simulated["peak"], "rss_peak_mib": resident_mib()["peak"],
            "rss_per_live_product_bytes": grown_bytes / live if live else 0.0,
            "wall_s": time.perf_counter() - started}


if __name__ == "__main__":
    kind, *numbers = sys.argv[1:]
    print(json.dumps(measure(kind, *map(int, numbers))))
