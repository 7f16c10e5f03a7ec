"""The field force's appointment book: free slots for a place, bookings, and the visit
each booking becomes on the simulation's workforce.

A slot is one day's shift of the crew of the place's region (the scenario's shift
hours; the whole day for a round-the-clock crew). A day has room for as many visits as
its technicians present today can make in a shift on average (shift length over mean
travel plus install time, at least one each), so a ``workforce_absence`` fault shrinks
what a search offers. A booked visit joins the region's dispatch queue when its slot
begins - the queue the simulation's technicians work, first come first served, with the
scenario's travel and install times and no-shows - so a booking is to the wire what an
install visit is to ``omsim run``.

An appointment is ``confirmed`` when booked and ends ``completed`` (the ONT it names is
brought online) or ``failed``: TMF646 v4 has no "missed" state, so a customer not at
home is ``failed`` with a note and ``failureReason`` ``customerNotHome``. A visit that
starts after its slot ended is noted as late. Until a technician takes it, a booking may
be moved to another slot or ``cancelled``; once one is on the way it may not.

With ``omsim emulate --db`` the bookings outlive the emulator: each is kept as a plain
record (:func:`record_of`) whenever it changes, and :meth:`Diary.restore` books them
again on a restart. A confirmed booking joins its crew's queue when its slot begins, as
before; one a technician had set off for when the emulator stopped is dispatched again
(the visit in progress was lost with the process), with a note saying so.

Everything here runs on the emulator's clock (its SimPy environment).
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import simpy

from network_model import Address, Network
from sim.elements.events import VisitStarted
from sim.elements.workforce import Job, Workforce
from sim.units import DAY_S, HOUR_S

DEFAULT_SEARCH_DAYS = 14  # a search without a requested window looks this far ahead
MAX_SEARCH_DAYS = 60  # and never further
MAX_SEARCHES = 10_000  # searches kept for GET /searchTimeSlot/{id}, oldest dropped


class DiaryError(Exception):
    """A request the diary refuses: ``status`` is the HTTP status (400, 404, 409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status, self.message = status, message

    def __str__(self) -> str:
        return self.message


class Status(StrEnum):
    """TMF646 v4 AppointmentStateType."""

    INITIALIZED = "initialized"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OntRef:
    """The ONT a visit fits: ``EX01-OLT01/1/2/5`` (OLT, line card, port, ONT id)."""

    olt: str
    line_card: int
    port: int
    ont_id: int

    def __str__(self) -> str:
        return f"{self.olt}/{self.line_card}/{self.port}/{self.ont_id}"

    @classmethod
    def parse(cls, text: Any) -> OntRef:
        """ValueError unless ``text`` is ``OLT/card/port/ont-id`` with positive numbers."""
        if not isinstance(text, str) or len(text) > 200:
            raise ValueError("not an ONT reference")
        olt, card, port, ont = text.rsplit("/", 3)
        out = cls(olt, int(card), int(port), int(ont))
        if min(out.line_card, out.port, out.ont_id) < 1:
            raise ValueError("numbers start at 1")
        return out

    @property
    def port_name(self) -> str:
        """The PON port's name in the network (``EX01-OLT01/1/2``)."""
        return f"{self.olt}/{self.line_card}/{self.port}"


@dataclass(frozen=True, slots=True)
class Slot:
    """One day's shift of a crew, and how many more visits it takes."""

    crew: str  # workforce:<region>
    day: int  # simulated days since the epoch
    start_s: float
    end_s: float
    free: int


@dataclass(frozen=True, slots=True)
class Search:
    """One searchTimeSlot: what was asked and what was found."""

    id: str
    place: str
    at_s: float
    start_s: float
    end_s: float
    slots: tuple[Slot, ...]
    rejected: str = ""  # why nothing could be offered (an address not passed by fibre)


class _Ticket:
    """What a technician reads of a job: the path an order item offers to its order's
    ``cancelling``, and where the technician notes the visit (``appointment``)."""

    def __init__(self, booking: Appointment) -> None:
        self.booking = booking
        self.key = f"appointment/{booking.id}"
        self.appointment: tuple[str, float] | None = None

    @property
    def order(self) -> _Ticket:
        return self

    service_item = product_item = order

    @property
    def cancelling(self) -> bool:
        return self.booking.status is not Status.CONFIRMED


@dataclass(eq=False)
class Appointment:
    """One booked visit (TMF646 Appointment) and what became of it."""

    id: str
    place: str
    crew: str
    slot: Slot
    ont: OntRef | None
    created_s: float
    status: Status = Status.CONFIRMED
    updated_s: float = 0.0
    technician: str | None = None
    visit_start_s: float | None = None
    visit_end_s: float | None = None
    failure: str | None = None  # customerNotHome
    notes: list[tuple[float, str]] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # the client's own attributes
    job: Job | None = None
    generation: int = 0  # bumped by each (re)schedule: a stale dispatch is ignored

    @property
    def taken(self) -> bool:
        """A technician is on the way or on site (or was)."""
        return self.visit_start_s is not None


Listener = Callable[[str, Appointment], None]  # (TMF event type, appointment)


def record_of(booking: Appointment) -> dict[str, Any]:
    """What a restart needs of ``booking``, as JSON-able data."""
    slot = booking.slot
    return {"id": booking.id, "place": booking.place, "crew": booking.crew,
            "slot": [slot.day, slot.start_s, slot.end_s],
            "ont": None if booking.ont is None else str(booking.ont),
            "created_s": booking.created_s, "status": booking.status.value,
            "updated_s": booking.updated_s, "technician": booking.technician,
            "visit_start_s": booking.visit_start_s, "visit_end_s": booking.visit_end_s,
            "failure": booking.failure, "notes": [list(n) for n in booking.notes],
            "fields": booking.fields}


def _booking_of(record: Mapping[str, Any]) -> Appointment:
    day, start_s, end_s = record["slot"]
    ont = record["ont"]
    return Appointment(
        str(record["id"]), record["place"], record["crew"],
        Slot(record["crew"], int(day), float(start_s), float(end_s), 0),
        None if ont is None else OntRef.parse(ont), float(record["created_s"]),
        Status(record["status"]), float(record["updated_s"]), record["technician"],
        record["visit_start_s"], record["visit_end_s"], record["failure"],
        [(float(at), str(text)) for at, text in record["notes"]], dict(record["fields"]))


class Diary:
    """The appointments of one emulated network, over its regional crews."""

    def __init__(self, env: simpy.Environment, network: Network,
                 crews: Mapping[str, Workforce], bring_online: Callable[[OntRef], bool],
                 on_event: Listener | None = None) -> None:
        self.env = env
        self.network = network
        self.crews = crews
        self.bring_online = bring_online
        self.on_event = on_event or (lambda kind, appointment: None)
        # Called when a technician sets off for a booking (which is no event for the
        # listeners), so that a restart knows the visit was under way.
        self.on_taken: Callable[[Appointment], None] = lambda appointment: None
        self.appointments: dict[str, Appointment] = {}
        self.searches: OrderedDict[str, Search] = OrderedDict()
        self._booked: Counter[tuple[str, int]] = Counter()  # (crew, day) -> confirmed
        self._by_key: dict[str, Appointment] = {}
        self._next_appointment = self._next_search = 1
        for crew in crews.values():
            crew.bus.subscribe(VisitStarted, self._visit_started)

    @property
    def next_id(self) -> int:
        """The id (a number) the next booking gets."""
        return self._next_appointment

    def restore(self, records: Iterable[Mapping[str, Any]], next_id: int) -> None:
        """Book again the appointments kept by an emulator before this one (their
        records, :func:`record_of`); ``next_id``: the id the next booking gets. Call it
        before any booking is made."""
        for record in records:
            booking = _booking_of(record)
            if booking.crew not in self.crews:
                continue  # a crew this scenario no longer has: nothing can visit
            self.appointments[booking.id] = booking
            if booking.status is not Status.CANCELLED:
                self._booked[(booking.crew, booking.slot.day)] += 1
            if booking.status is Status.CONFIRMED:
                if booking.taken:
                    self.note(booking, f"the emulator restarted while technician "
                                       f"{booking.technician} was on the visit: it is "
                                       "dispatched again")
                    booking.technician = booking.visit_start_s = None
                self._schedule(booking)
        self._next_appointment = max(next_id, self._next_appointment)

    # -- where and when ----------------------------------------------------------------
    def crew_of(self, place: str) -> tuple[Address, Workforce | None]:
        """The address ``place`` and the crew of its region (None: not passed by fibre,
        or no crew there); 400 for an address the network does not have."""
        address = self.network.address_by_id.get(place)
        if address is None:
            raise DiaryError(400, f"relatedPlace.id: no service address '{place}'")
        port = self.network.serving_port(place)
        if port is None:
            return address, None
        return address, self.crews.get(f"workforce:{self.network.region_of_port(port)}")

    def shift(self, crew: Workforce, day: int) -> tuple[float, float]:
        """The simulated seconds a crew's shift of ``day`` begins and ends."""
        specs = [t.spec for t in crew.technicians]
        start_h = min(s.shift_start_hour for s in specs)
        end_h = max(s.shift_end_hour for s in specs)
        return day * DAY_S + start_h * HOUR_S, day * DAY_S + end_h * HOUR_S

    def capacity(self, crew: Workforce) -> int:
        """Visits a day's shift takes: per technician present now, the shift over the
        mean travel plus install time (at least one)."""
        present = len(crew.technicians) - crew.absent
        if present <= 0:
            return 0
        start_s, end_s = self.shift(crew, 0)
        visit_min = crew.settings.travel_min.mean + crew.settings.install_min.mean
        return present * max(1, math.floor((end_s - start_s) / 60 / max(visit_min, 1e-9)))

    def slots(self, crew: Workforce, start_s: float, end_s: float) -> list[Slot]:
        """The crew's day slots with room that end after now and after ``start_s`` and
        begin before ``end_s``."""
        if not crew.technicians:
            return []
        room = self.capacity(crew)
        now = self.env.now
        out = []
        first = max(0, math.floor(max(start_s, now) / DAY_S) - 1)
        last = math.floor(min(end_s, now + MAX_SEARCH_DAYS * DAY_S) / DAY_S)
        for day in range(first, last + 1):
            begin, end = self.shift(crew, day)
            free = room - self._booked[(crew.name, day)]
            if end > max(start_s, now) and begin < end_s and free > 0:
                out.append(Slot(crew.name, day, begin, end, free))
        return out

    # -- searching ---------------------------------------------------------------------
    def search(self, place: str, start_s: float | None, end_s: float | None) -> Search:
        """Free slots for a visit to ``place`` in ``[start_s, end_s)`` (default: the next
        fortnight). An address not passed by fibre gets none, and says why."""
        now = self.env.now
        start_s = now if start_s is None else start_s
        end_s = start_s + DEFAULT_SEARCH_DAYS * DAY_S if end_s is None else end_s
        if end_s <= start_s:
            raise DiaryError(400, "requestedTimeSlot.validFor: endDateTime must be after "
                                  "startDateTime")
        address, crew = self.crew_of(place)
        search_id = str(self._next_search)
        self._next_search += 1
        if crew is None:
            found = Search(search_id, place, now, start_s, end_s, (),
                           f"{address.id} is not passed by fibre: no visit can be booked")
        else:
            found = Search(search_id, place, now, start_s, end_s,
                           tuple(self.slots(crew, start_s, end_s)))
        self.searches[search_id] = found
        while len(self.searches) > MAX_SEARCHES:
            self.searches.popitem(last=False)
        return found

    # -- booking -----------------------------------------------------------------------
    def book(self, place: str, start_s: float, end_s: float, ont: OntRef | None,
             fields: dict[str, Any]) -> Appointment:
        """Book the slot ``[start_s, end_s)`` for a visit to ``place`` fitting ``ont``:
        confirmed, or 409 when the slot is not one offered or is full."""
        _, crew = self.crew_of(place)
        if crew is None:
            raise DiaryError(409, f"{place} is not passed by fibre: no visit can be booked")
        self._check_ont(place, ont)
        slot = self._free_slot(crew, start_s, end_s)
        booking = Appointment(str(self._next_appointment), place, crew.name, slot, ont,
                              self.env.now, updated_s=self.env.now, fields=fields)
        self._next_appointment += 1
        self.appointments[booking.id] = booking
        self._booked[(crew.name, slot.day)] += 1
        self._schedule(booking)
        self.on_event("AppointmentCreateEvent", booking)
        return booking

    def reschedule(self, booking: Appointment, start_s: float, end_s: float) -> None:
        """Move a confirmed booking nobody has set off for to another free slot."""
        self._check_open(booking, "moved")
        crew = self.crews[booking.crew]
        if (start_s, end_s) == (booking.slot.start_s, booking.slot.end_s):
            return
        self._booked[(crew.name, booking.slot.day)] -= 1
        try:
            slot = self._free_slot(crew, start_s, end_s)
        except DiaryError:
            self._booked[(crew.name, booking.slot.day)] += 1
            raise
        self._unqueue(booking)
        booking.slot = slot
        self._booked[(crew.name, slot.day)] += 1
        self._schedule(booking)
        self._changed(booking, "AppointmentAttributeValueChangeEvent")

    def cancel(self, booking: Appointment) -> None:
        """Cancel a confirmed booking nobody has set off for (again: nothing happens)."""
        if booking.status is Status.CANCELLED:
            return
        self._check_open(booking, "cancelled")
        self._unqueue(booking)
        self._booked[(booking.crew, booking.slot.day)] -= 1
        booking.status = Status.CANCELLED
        self._changed(booking, "AppointmentStateChangeEvent")

    def delete(self, booking: Appointment) -> None:
        """Cancel (if it is still open) and forget a booking."""
        if booking.status is Status.CONFIRMED:
            self.cancel(booking)
        del self.appointments[booking.id]
        self._by_key.pop(f"appointment/{booking.id}", None)
        self.on_event("AppointmentDeleteEvent", booking)

    def note(self, booking: Appointment, text: str) -> None:
        booking.notes.append((self.env.now, text))

    def touched(self, booking: Appointment) -> None:
        """The client changed its own attributes of ``booking``."""
        self._changed(booking, "AppointmentAttributeValueChangeEvent")

    # -- inside ------------------------------------------------------------------------
    def _check_ont(self, place: str, ont: OntRef | None) -> None:
        if ont is None:
            return
        port = self.network.ports.get(ont.port_name)
        if port is None:
            raise DiaryError(400, f"relatedEntity: the network has no PON port "
                                  f"{ont.port_name} for ONT {ont}")
        serving = self.network.serving_port(place)
        if serving is not None and serving.name != port.name:
            raise DiaryError(400, f"relatedEntity: ONT {ont} is on PON port {port.name}, "
                                  f"but {place} is passed by {serving.name}")

    def _free_slot(self, crew: Workforce, start_s: float, end_s: float) -> Slot:
        for slot in self.slots(crew, start_s, end_s):
            if abs(slot.start_s - start_s) < 1 and abs(slot.end_s - end_s) < 1:
                return slot
        raise DiaryError(409, "validFor: not a free slot of the place's crew; search "
                              "with searchTimeSlot and book one of its availableTimeSlot")

    def _check_open(self, booking: Appointment, what: str) -> None:
        if booking.status is not Status.CONFIRMED:
            raise DiaryError(409, f"appointment {booking.id} is {booking.status}: it can "
                                  f"no longer be {what}")
        if booking.taken:
            raise DiaryError(409, f"appointment {booking.id}: technician "
                                  f"{booking.technician} is on the way or on site; it can "
                                  f"no longer be {what}")

    def _schedule(self, booking: Appointment) -> None:
        booking.generation += 1
        generation = booking.generation
        wait = booking.slot.start_s - self.env.now
        if wait > 0:
            self.env.timeout(wait).callbacks.append(
                lambda _: self._dispatch(booking, generation))
        else:
            self._dispatch(booking, generation)

    def _dispatch(self, booking: Appointment, generation: int) -> None:
        """The slot began: the visit joins the crew's dispatch queue."""
        if generation != booking.generation or booking.status is not Status.CONFIRMED:
            return
        ticket = _Ticket(booking)
        done = self.env.event()
        done.callbacks.append(lambda event: self._visited(booking, event))
        booking.job = Job(ticket, self.env.now, done)  # type: ignore[arg-type]
        self._by_key[ticket.key] = booking
        self.crews[booking.crew].queue.put(booking.job)

    def _unqueue(self, booking: Appointment) -> None:
        """Take a booking's visit out of the dispatch queue (if it is waiting there)."""
        job, booking.job = booking.job, None
        if job is not None:
            items = self.crews[booking.crew].queue.items
            if job in items:
                items.remove(job)

    def _visit_started(self, event: VisitStarted) -> None:
        booking = self._by_key.get(event.item_key)
        if booking is None or booking.status is not Status.CONFIRMED:
            return
        booking.technician, booking.visit_start_s = event.technician, event.at_s
        booking.updated_s = event.at_s
        self.on_taken(booking)
        if event.at_s > booking.slot.end_s:
            late_min = (event.at_s - booking.slot.end_s) / 60
            self.note(booking, f"technician {event.technician} set off {late_min:.0f} min "
                               "after the slot ended (late)")
            self._changed(booking, "AppointmentAttributeValueChangeEvent")

    def _visited(self, booking: Appointment, event: simpy.Event) -> None:
        """The technician is done (or skipped a visit cancelled while it waited)."""
        if not event.ok:
            event.defused = True  # the outcome is this appointment's, not an error
        self._by_key.pop(f"appointment/{booking.id}", None)
        if booking.status is not Status.CONFIRMED:
            return
        booking.job, booking.visit_end_s = None, self.env.now  # the day's room stays used
        if event.ok:
            booking.status = Status.COMPLETED
            if booking.ont is not None and not self.bring_online(booking.ont):
                self.note(booking, f"installed, but no ONT {booking.ont} is configured: "
                                   "nothing was brought online")
        else:
            booking.status = Status.FAILED
            booking.failure = "customerNotHome"
            self.note(booking, f"customer not home: technician {booking.technician} "
                               "waited at the door and left")
        self._changed(booking, "AppointmentStateChangeEvent")

    def _changed(self, booking: Appointment, kind: str) -> None:
        booking.updated_s = self.env.now
        self.on_event(kind, booking)
