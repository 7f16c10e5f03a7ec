"""The field workforce's figures for the report, from the visit events the crews emit
(:mod:`sim.elements.events`): technicians on a visit and visits queued now (for the
hourly samples), and after the warm-up the busy share of shift time, visits done and
how long visits waited for a technician: for the whole workforce and per crew (one
crew per region). Each crew's waits are kept, and cut at the warm-up, on their own.

The crews themselves are never read: who is on which crew, with which shift, is the
network's roster (:func:`sim.elements.workforce.crews`), and everything that changes
arrives as an event.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np

from network_model import Network
from om import EventBus
from sim.elements.events import VisitEnded, VisitQueued, VisitStarted, VisitTaken
from sim.elements.workforce import crews
from sim.measure.rounding import r6
from sim.units import DAY_S, HOUR_S


class WorkforceFigures:
    """Listens to the visits of every crew of ``network``; :meth:`report` gives the
    report's ``utilisation.workforce``."""

    def __init__(self, bus: EventBus, network: Network, duration_s: float,
                 warmup_s: float) -> None:
        by_crew = crews(network)
        roster = [t for crew in by_crew.values() for t in crew]
        self.technicians = len(roster)
        self._crew_size = {name: len(crew) for name, crew in by_crew.items()}
        self.shift_hours_per_day = sum(sum(t.shift_end_hour - t.shift_start_hour
                                           for t in crew) for crew in by_crew.values())
        # The shift the daily utilisation series counts (the roster's: all alike).
        self.shift_hours = ((roster[0].shift_start_hour, roster[0].shift_end_hour)
                            if roster else (0.0, 24.0))
        self._measured_s = duration_s - warmup_s
        self.busy_now = 0  # technicians on a visit now
        self.backlog = 0  # visits in the dispatch queues now
        # Busy seconds per technician, in roster order: summed in that order, as a crew
        # adds up its own.
        self._busy_s = {t.name: 0.0 for t in roster}
        self._done = 0
        # Each crew's visit waits, in the order its visits started, and how many of them
        # started in the warm-up (cut per crew: one list across crews, cut at one index,
        # once kept the wrong crew's visits).
        self._waits_s: dict[str, array[float]] = {name: array("d") for name in by_crew}
        self._done_by_crew = dict.fromkeys(by_crew, 0)
        # Busy seconds per technician and visits done when the warm-up ended (per
        # technician, so that regions run apart add up as one run: sim.run.partition).
        self._busy_at_warmup: dict[str, float] = {}
        self._done_at_warmup_all = 0
        self._waits_at_warmup = dict.fromkeys(by_crew, 0)
        self._done_at_warmup = dict.fromkeys(by_crew, 0)
        bus.subscribe(VisitQueued, self._on_queued)
        bus.subscribe(VisitTaken, self._on_taken)
        bus.subscribe(VisitStarted, self._on_started)
        bus.subscribe(VisitEnded, self._on_ended)

    def _on_queued(self, event: VisitQueued) -> None:
        self.backlog += 1

    def _on_taken(self, event: VisitTaken) -> None:
        self.backlog -= 1

    def _on_started(self, event: VisitStarted) -> None:
        self.busy_now += 1
        self._waits_s[event.crew].append(event.waited_s)

    def _on_ended(self, event: VisitEnded) -> None:
        self.busy_now -= 1
        self._busy_s[event.technician] += event.busy_s
        self._done += 1
        self._done_by_crew[event.crew] += 1

    def mark_warmup(self) -> None:
        """The warm-up ends now: the report covers what happens from here on."""
        self._busy_at_warmup = dict(self._busy_s)
        self._done_at_warmup_all = self._done
        self._waits_at_warmup = {name: len(w) for name, w in self._waits_s.items()}
        self._done_at_warmup = dict(self._done_by_crew)

    @classmethod
    def merged(cls, parts: Sequence[WorkforceFigures]) -> WorkforceFigures:
        """The figures of the regions' runs ``parts`` (each with the whole roster, only
        its own crew working) as one run's: per technician and per crew, in roster
        order, the sums of the parts (zeros where a part's crew did nothing, which adds
        up exactly)."""
        first = parts[0]
        out = cls.__new__(cls)  # no bus to listen to: filled from the parts
        for name in ("technicians", "_crew_size", "shift_hours_per_day", "shift_hours",
                     "_measured_s"):
            setattr(out, name, getattr(first, name))
        for name in ("busy_now", "backlog", "_done", "_done_at_warmup_all"):
            setattr(out, name, sum(getattr(p, name) for p in parts))
        out._busy_s = {t: sum(p._busy_s[t] for p in parts) for t in first._busy_s}
        out._busy_at_warmup = ({t: sum(p._busy_at_warmup.get(t, 0.0) for p in parts)
                                for t in first._busy_s}
                               if any(p._busy_at_warmup for p in parts) else {})
        out._waits_s, out._waits_at_warmup = {}, {}
        for crew in first._waits_s:
            cut = [p._waits_at_warmup[crew] for p in parts]
            waits = [p._waits_s[crew] for p in parts]
            out._waits_s[crew] = array("d", [w for ws, n in zip(waits, cut, strict=True)
                                             for w in ws[:n]]
                                       + [w for ws, n in zip(waits, cut, strict=True)
                                          for w in ws[n:]])
            out._waits_at_warmup[crew] = sum(cut)
        out._done_by_crew = {c: sum(p._done_by_crew[c] for p in parts)
                             for c in first._done_by_crew}
        out._done_at_warmup = {c: sum(p._done_at_warmup[c] for p in parts)
                               for c in first._done_at_warmup}
        return out

    def _measured_waits_h(self, crew: str) -> np.ndarray:
        """The waits (hours) of the crew's visits started after the warm-up."""
        return np.array(self._waits_s[crew][self._waits_at_warmup[crew]:]) / HOUR_S

    def report(self) -> dict[str, Any]:
        busy_at_warmup = sum(self._busy_at_warmup.values())
        done_at_warmup = self._done_at_warmup_all
        shift_s = self.shift_hours_per_day * HOUR_S * self._measured_s / DAY_S
        busy_s = sum(self._busy_s.values()) - busy_at_warmup
        by_crew = {crew: self._measured_waits_h(crew) for crew in self._waits_s}
        waits = np.concatenate(list(by_crew.values())) if by_crew else np.array([])
        return {
            "technicians": self.technicians,
            "busy_share": r6(min(1.0, busy_s / shift_s)) if shift_s else 0.0,
            "jobs_done": self._done - done_at_warmup,
            **_wait_figures(waits),
            "backlog_end": self.backlog,
            "by_crew": {crew: {"technicians": self._crew_size[crew],
                               "jobs_done": self._done_by_crew[crew]
                               - self._done_at_warmup[crew],
                               **_wait_figures(w)} for crew, w in by_crew.items()},
        }


def _wait_figures(waits_h: np.ndarray) -> dict[str, float]:
    """Mean queue wait (hours) of visits and the share that waited at all."""
    if waits_h.size == 0:
        return {"queue_wait_hours_mean": 0.0, "waited_share": 0.0}
    return {"queue_wait_hours_mean": r6(float(waits_h.mean())),
            "waited_share": r6(float((waits_h > 0).mean()))}
