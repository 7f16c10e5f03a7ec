"""Dates on the emulator's clock: simulated second 0 is a midnight (UTC), so a day of the
simulation is a calendar day and the workforce's shift hours are hours of that day.

The midnight is the day the emulator first ran; with ``--db`` it is kept, so dates stay
the same across restarts. Simulated time runs ``--speed`` times faster than the wall's:
the dates of slots and visits run ahead of today accordingly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH_KEY = "calendar_epoch"  # where the emulator's database keeps the midnight


class Calendar:
    """Simulated seconds <-> ISO 8601 date-times (``2026-12-01T08:00:00.000Z``)."""

    def __init__(self, epoch: datetime) -> None:
        self.epoch = epoch

    @classmethod
    def of(cls, store: Any | None, today: datetime | None = None) -> Calendar:
        """The calendar of an emulator: its database's midnight, or today's (kept)."""
        now = today or datetime.now(UTC)
        kept = store.meta(EPOCH_KEY) if store is not None else None
        if kept is not None:
            return cls(datetime.fromisoformat(kept))
        epoch = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if store is not None:
            store.set_meta(EPOCH_KEY, epoch.isoformat())
        return cls(epoch)

    def date(self, sim_s: float) -> str:
        moment = self.epoch + timedelta(seconds=sim_s)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def seconds(self, text: Any) -> float:
        """The simulated second of a date-time; ValueError if it is not one (a date-time
        without a zone is taken as UTC)."""
        if not isinstance(text, str) or len(text) > 64:
            raise ValueError("not a date-time")
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (moment - self.epoch).total_seconds()
