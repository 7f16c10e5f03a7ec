"""Rate profiles: how an arrival stream's intake varies over the week and in campaigns.

A real operator's order intake has an hour-of-day shape (few orders at night, a peak in
the evening for consumers, office hours for businesses), a day-of-week shape and
campaign bursts. A profile is a weekly table of multipliers, one per hour of the week
(Monday 00:00 to Sunday 24:00; a scenario's day 0 starts on a Monday at 00:00), given
whole (``weekly``: 7 rows of 24) or as the product of an hour-of-day row (``hourly``: 24)
and a day-of-week row (``daily``: 7, Monday first), plus ``bursts``: windows in which
the rate is multiplied again.

The table is relative: it is scaled so that its mean over the week's 168 hours is 1, so
the arrival's ``rate_per_day`` stays the average intake of a week without bursts; a
burst adds to that. :meth:`RateProfile.multiplier` is the rate multiplier at a time,
:meth:`RateProfile.ceiling` an upper bound of it over a run (what thinning needs).
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.limits import MAX_DAYS
from sim.units import DAY_S, HOUR_S

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)
WEEK_H = 168
MAX_MULTIPLIER = 1000.0  # one hour's rate against the week's mean; a burst likewise

Multiplier = Annotated[float, Field(ge=0, le=MAX_MULTIPLIER)]


class Burst(BaseModel):
    """A campaign: from ``at_day`` for ``duration_days`` the rate is ``multiplier`` times
    what the weekly table says."""

    model_config = _STRICT
    at_day: float = Field(ge=0, le=MAX_DAYS)
    duration_days: float = Field(gt=0, le=MAX_DAYS)
    multiplier: float = Field(gt=0, le=MAX_MULTIPLIER)

    @property
    def start_s(self) -> float:
        return self.at_day * DAY_S

    @property
    def end_s(self) -> float:
        return (self.at_day + self.duration_days) * DAY_S


class RateProfile(BaseModel):
    """A weekly table of rate multipliers and campaign bursts (see the module)."""

    model_config = _STRICT
    hourly: list[Multiplier] | None = Field(None, min_length=24, max_length=24,
                                            description="hour of day 0..23")
    daily: list[Multiplier] | None = Field(None, min_length=7, max_length=7,
                                           description="Monday .. Sunday")
    weekly: list[Annotated[list[Multiplier], Field(min_length=24, max_length=24)]] | None = \
        Field(None, min_length=7, max_length=7, description="7 rows (Monday first) of 24")
    bursts: list[Burst] = Field([], max_length=100)

    @model_validator(mode="after")
    def _one_table(self) -> RateProfile:
        if self.weekly is not None and (self.hourly is not None or self.daily is not None):
            raise ValueError("give either weekly (7 rows of 24) or hourly and/or daily, "
                             "not both")
        if sum(self.table) <= 0:
            raise ValueError("every multiplier of the week is 0: no order would ever arrive")
        return self

    @property
    def table(self) -> list[float]:
        """The 168 hourly multipliers of the week as given (Monday 00:00 first)."""
        if self.weekly is not None:
            return [m for row in self.weekly for m in row]
        hourly = self.hourly or [1.0] * 24
        daily = self.daily or [1.0] * 7
        return [d * h for d in daily for h in hourly]

    def normalised(self) -> list[float]:
        """The table scaled to a mean of 1 over the week."""
        table = self.table
        mean = sum(table) / WEEK_H
        return [m / mean for m in table]

    def burst_factor(self, t_s: float) -> float:
        """The product of the multipliers of the bursts running at ``t_s``."""
        factor = 1.0
        for b in self.bursts:
            if b.start_s <= t_s < b.end_s:
                factor *= b.multiplier
        return factor

    def ceiling(self) -> float:
        """An upper bound of :meth:`multiplier` at any time: the table's largest entry
        times every burst that could overlap it (all of them, when they are above 1)."""
        return max(self.normalised()) * math.prod(max(1.0, b.multiplier)
                                                  for b in self.bursts)

    def expected_days(self, days: float) -> float:
        """Days of average intake the profile makes of ``days`` simulated days (the
        weekly table's shape averages out over whole weeks; bursts add)."""
        extra = 0.0
        for b in self.bursts:
            overlap = max(0.0, min(days, b.at_day + b.duration_days) - b.at_day)
            extra += overlap * (b.multiplier - 1.0)
        return days + extra


class ProfileClock:
    """A profile's multiplier as a function of simulated seconds, with the normalised
    table computed once (the arrival streams ask at every candidate arrival)."""

    def __init__(self, profile: RateProfile) -> None:
        self.profile = profile
        self._table = profile.normalised()
        self.ceiling = profile.ceiling()

    def multiplier(self, t_s: float) -> float:
        hour = int(t_s // HOUR_S) % WEEK_H
        factor = self.profile.burst_factor(t_s) if self.profile.bursts else 1.0
        return self._table[hour] * factor
