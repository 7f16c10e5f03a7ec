"""Bounds shared by the scenario's fields (the README's scenario reference gives each
range and its reason): finite, and small enough that a run ends in reasonable time and
memory."""

from __future__ import annotations

MAX_DAYS = 3660  # ten years of simulated time: the longest run, the latest fault
MAX_SEED = 2**63 - 1  # a signed 64-bit integer: stored exactly by SQLite and JSON readers
MAX_RATE_PER_DAY = 1_000_000.0  # one stream: ~12 orders a simulated second
# Order items one run may expect (rate x duration x sites, summed): ten times the largest
# benchmark (1 M orders); beyond it memory, not patience, runs out.
MAX_ORDER_ITEMS = 10_000_000
