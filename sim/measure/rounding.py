"""How figures are rounded in the report: six decimals, enough for any rate or mean the
report carries, and the same text on every platform."""

from __future__ import annotations


def r6(x: float) -> float:
    """``x`` as a plain float rounded to six decimals (numpy scalars included)."""
    return round(float(x), 6)
