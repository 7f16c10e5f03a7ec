"""Units of simulated time, defined once: the engine's clock counts seconds.

A scenario speaks in days (``duration_days``, ``at_day``), hours (``response_hours``) and
minutes (``install_min``); everything that reaches SimPy is seconds.
"""

from __future__ import annotations

MINUTE_S = 60.0
HOUR_S = 3600.0
DAY_S = 86400.0
