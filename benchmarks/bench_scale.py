"""Wall time at 10 k, 100 k (and, opt-in, 1 M) orders: the cost must grow linearly.

Each size is the reference scenario over 30 simulated days at the rate that brings that
many orders, on a network sized for them. The 1 M run takes minutes: set
``OMSIM_BENCH_1M=1`` to include it.
"""

from __future__ import annotations

import os

import pytest
from workloads import run_engine, scaled_scenario

SIZES = [10_000, 100_000] + ([1_000_000] if os.environ.get("OMSIM_BENCH_1M") else [])


@pytest.mark.parametrize("orders", SIZES, ids=[f"{n:_}" for n in SIZES])
def bench_scale(benchmark, figures, orders):
    """End-to-end wall time (build, simulate, report) for one size."""
    run = benchmark.pedantic(run_engine, args=(scaled_scenario(orders),), rounds=1,
                             iterations=1)
    assert run.orders > 0.9 * orders
    figures[f"scale.{orders}.orders"] = run.orders
    figures[f"scale.{orders}.seconds"] = run.seconds
    figures[f"scale.{orders}.simulate_s"] = run.simulate_s
