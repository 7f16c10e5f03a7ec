"""Memory (issues #7 and #15).

- Bytes per in-flight product order, with its service and resource orders, at 10 k and
  100 k orders held in flight by a technician backlog (tracemalloc).
- A year of a customer base with churn: 1,000,000 orders while about 100,000 customers
  are live at any time, each run in a process of its own (``memory_run.py``): its peak
  resident size, and its CPU seconds per order against a run of 100,000 orders of the
  same kind (10,000 customers). Ended orders must leave memory for the first to stay
  flat, and for the second to be near 1.
- Without churn, the resident size per live product: 100,000 orders of the reference
  scenario, then no new ones until every order ended; the growth of the resident size
  over the run, divided by the products live at the end.

The runs of a million orders take minutes each and run once (``OMSIM_BENCH_CHURN_ORDERS``
makes them smaller); the others take the session's rounds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from workloads import each_round, env_int, in_flight_bytes

HERE = Path(__file__).resolve().parent
IN_FLIGHT = [10_000, env_int("OMSIM_BENCH_MEMORY_ORDERS", 100_000)]
CHURN_ORDERS = env_int("OMSIM_BENCH_CHURN_ORDERS", 1_000_000)
PRODUCT_ORDERS = env_int("OMSIM_BENCH_PRODUCT_ORDERS", 100_000)


def memory_run(*args: object) -> dict[str, Any]:
    """``memory_run.py`` with ``args`` in a fresh process: its figures."""
    done = subprocess.run([sys.executable, str(HERE / "memory_run.py"), *map(str, args)],
                          capture_output=True, text=True, check=True, cwd=HERE)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_memory_per_in_flight_order(benchmark, figures):
    """One run, measured when 10 k and when 100 k orders are in flight."""
    measured = benchmark.pedantic(in_flight_bytes, args=(IN_FLIGHT,), rounds=1,
                                  iterations=1)
    for target, (orders, held) in measured.items():
        assert orders >= target
        figures[f"memory.{target}.bytes"] = held
        figures[f"memory.{target}.bytes_per_order"] = held / orders
        benchmark.extra_info[f"bytes_per_order_{target}"] = held / orders


def _cpu_per_order(run: dict[str, Any]) -> float:
    return (run["build_s"] + run["simulate_s"] + run["report_s"]) / run["orders"]


def bench_memory_churn_year(benchmark, figures):
    """CHURN_ORDERS orders in a year while about a tenth as many customers are live
    (one round: minutes), and a tenth of that run (the session's rounds): peak resident
    size, and CPU seconds per order of each."""
    big = benchmark.pedantic(memory_run, args=("churn", CHURN_ORDERS, CHURN_ORDERS // 10),
                             rounds=1, iterations=1)
    assert big["orders"] > 0.9 * CHURN_ORDERS and big["live_products"] > 0.05 * CHURN_ORDERS
    small = [memory_run("churn", CHURN_ORDERS // 10, CHURN_ORDERS // 100)
             for _ in range(figures.rounds)]
    figures["churn.orders"] = big["orders"]
    figures["churn.live_products"] = big["live_products"]
    figures["churn.peak_mib"] = big["rss_peak_mib"]
    figures["churn.cpu_s_per_order"] = _cpu_per_order(big)
    figures["churn_small.orders"] = small[0]["orders"]
    figures["churn_small.cpu_s_per_order"] = [_cpu_per_order(r) for r in small]
    benchmark.extra_info.update(big)


def bench_memory_per_live_product(benchmark, figures):
    """PRODUCT_ORDERS orders without churn, all ended: resident bytes per live product
    (each round in a process of its own)."""
    runs = each_round(benchmark, lambda: memory_run("provide", PRODUCT_ORDERS),
                      figures.rounds)
    assert all(r["in_flight"] == 0 and r["live_products"] > 0.8 * PRODUCT_ORDERS
               for r in runs)
    figures["products.live"] = runs[0]["live_products"]
    figures["products.rss_bytes_per_live"] = [r["rss_per_live_product_bytes"] for r in runs]
