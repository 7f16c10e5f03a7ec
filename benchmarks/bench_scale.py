"""Wall time at 10 k, 100 k (and, opt-in, 1 M) orders: the cost must grow linearly.

Each size is the reference scenario over 30 simulated days at the rate that brings that
many orders, on a network sized for them. The 1 M run takes minutes: set
``OMSIM_BENCH_1M=1`` to include it (one round).
"""

from __future__ import annotations

import os

import pytest
from workloads import ROUNDS, each_round, run_engine, scaled_scenario

SIZES = [10_000, 100_000] + ([1_000_000] if os.environ.get("OMSIM_BENCH_1M") else [])


@pytest.mark.parametrize("orders", SIZES, ids=[f"{n:_}" for n in SIZES])
def bench_scale(benchmark, figures, orders):
    """End-to-end time (build, simulate, report) for one size."""
    scenario = scaled_scenario(orders)
    runs = each_round(benchmark, lambda: run_engine(scenario),
                      1 if orders >= 1_000_000 else ROUNDS)
    assert runs[0].orders > 0.9 * orders
    figures[f"scale.{orders}.orders"] = runs[0].orders
    figures[f"scale.{orders}.seconds"] = [r.seconds for r in runs]
    figures[f"scale.{orders}.simulate_s"] = [r.simulate_s for r in runs]
