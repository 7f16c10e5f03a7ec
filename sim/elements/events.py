"""Events the emulated network emits, declared in one place: what the field workforce
does with each install visit. Small frozen records on the run's bus, like the order
manager's own (:mod:`om.events`); metrics subscribe and never look into a crew.

A visit is queued on its appointment day, taken from the dispatch queue by a technician
(or dropped, when its order was cancelled meanwhile), started and ended:
``VisitQueued`` -> ``VisitTaken`` -> ``VisitStarted`` -> ``VisitEnded``. Taken and
started happen at the same simulated instant but are separate steps of the engine, so
a figure sampled at that instant sees the queue shrink before the technician is busy.
Times are simulated seconds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VisitQueued:
    """An install visit joined its region's dispatch queue (its appointment day came)."""

    crew: str  # workforce:<region>
    item_key: str  # the resource order item the visit is for
    at_s: float


@dataclass(frozen=True, slots=True)
class VisitTaken:
    """A technician took a visit from the dispatch queue (it may still be dropped, if its
    order was cancelled while it waited)."""

    crew: str
    item_key: str
    at_s: float


@dataclass(frozen=True, slots=True)
class VisitStarted:
    """A technician set off for a visit, ``waited_s`` after it was queued."""

    crew: str
    technician: str
    item_key: str
    waited_s: float
    at_s: float


@dataclass(frozen=True, slots=True)
class VisitEnded:
    """A technician is done with a visit (installed, or nobody was home)."""

    crew: str
    technician: str
    item_key: str
    started_s: float
    installed: bool
    at_s: float

    @property
    def busy_s(self) -> float:
        """Travel plus time on site (or at the door)."""
        return self.at_s - self.started_s
