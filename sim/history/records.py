"""What an order history says about each order, whatever file it came from: when it was
ordered and ended, how it ended, its offering and type, its first fallout, and its
install visits. Times are UTC datetimes (timezone-aware)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from om.errors import OmsimError


class HistoryError(OmsimError):
    """An order history that cannot be read: names the file, the line or record, the
    field and the reason."""


@dataclass(frozen=True, slots=True)
class Fallout:
    """An order's first fallout: its cause (a FalloutCause value), the layer that raised
    it (COM, SOM, ROM), when, and the element kind of a ROM fallout (``olt``, ...)."""

    cause: str
    layer: str
    at: datetime | None = None
    element_kind: str | None = None


INSTALLED, NOT_HOME = "installed", "not_home"


@dataclass(frozen=True, slots=True)
class Visit:
    """One install visit: booked, due (the appointment: it joins the dispatch queue),
    started (the technician set off), ended, and its ``outcome``: installed, not_home,
    or None while it has not ended. A CSV history may only count the visits that found
    nobody home (their times None)."""

    outcome: str | None
    booked: datetime | None = None
    due: datetime | None = None
    started: datetime | None = None
    ended: datetime | None = None

    @property
    def installed(self) -> bool:
        return self.outcome == INSTALLED


@dataclass(frozen=True, slots=True)
class HistoryOrder:
    """One product order of the history."""

    id: str
    ordered: datetime
    state: str  # a TMF622 state: completed, failed, partial, cancelled, rejected, or open
    offering: str
    order_type: str  # provide, modify, cease, move, suspend, resume
    ended: datetime | None = None
    items: int = 1  # order items (sites, for a bulk provide)
    fallout: Fallout | None = None
    visits: tuple[Visit, ...] = field(default=())

    @property
    def open(self) -> bool:
        return self.ended is None
