"""The field workforce: a regional crew of technicians working daily shifts.

An install visit is booked ``appointment_lead_days`` ahead (the customer's chosen
slot); on that day it joins the region's dispatch queue (first come, first served). The
visits of an expedited order (:class:`om.events.OrderExpedited`) are dispatched at once
and go before every other job.
Each technician is one SimPy process that takes the next job only while on shift,
travels, installs, and comes back for more; a job started late in the shift is
finished even if that runs over. With a 24-hour shift, no travel and exponential
install times, a crew of c is an M/M/c queue (Erlang C).

A crew keeps no figures: it announces each visit's steps on the run's bus
(:mod:`sim.elements.events`), and whoever measures listens.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from network_model import Network, TechnicianSpec
from om import EventBus, FalloutCause, ResourceOrderItem, SouthboundError
from om.events import OrderExpedited
from om.southbound import Activated
from sim.elements.events import VisitEnded, VisitQueued, VisitStarted, VisitTaken
from sim.scenario.schema import WorkforceSettings
from sim.units import DAY_S, HOUR_S, MINUTE_S

NO_SHOW_WAIT_S = 15 * MINUTE_S  # a technician waits this long at the door before leaving


def crews(network: Network) -> dict[str, list[TechnicianSpec]]:
    """The technicians of each region's crew (``workforce:<region>``), in roster order:
    how the emulated network forms its crews, and whom a crew's figures cover."""
    return {f"workforce:{region}": [t for t in network.technicians if t.region == region]
            for region in network.regions}


class Job:
    """One install visit waiting for, or with, a technician; ``urgent`` when its order
    was expedited (it goes before the others)."""

    __slots__ = ("item", "queued_s", "done", "urgent")

    def __init__(self, item: ResourceOrderItem, queued_s: float, done: simpy.Event,
                 urgent: bool = False) -> None:
        self.item = item
        self.queued_s = queued_s
        self.done = done
        self.urgent = urgent

    @property
    def order_id(self) -> str:
        return _order_id(self.item)


def _order_id(item: ResourceOrderItem) -> str:
    return item.order.service_item.product_item.order.id


class Technician:
    """A field technician who travels to a site and installs an ONT.

    One SimPy process per technician. Takes one job at a time, inside the shift
    (hours of the day, every day). While absent (the first ``crew.absent`` of the crew,
    set by a fault) takes no new job: one waiting for work leaves at once, one on a visit
    finishes it first; all come back the moment the absence ends.
    """

    def __init__(self, env: simpy.Environment, spec: TechnicianSpec, crew: Workforce,
                 index: int) -> None:
        self.env = env
        self.spec = spec
        self.crew = crew
        self.index = index  # the first ``crew.absent`` technicians are off (a fault)
        self.waiting_for_work = False  # in the shift, waiting on the dispatch queue
        self._start_s = spec.shift_start_hour * HOUR_S
        self._end_s = spec.shift_end_hour * HOUR_S
        self._all_day = self._start_s == 0 and self._end_s == DAY_S
        self.process = env.process(self._work())

    @property
    def absent(self) -> bool:
        return self.index < self.crew.absent

    def _work(self) -> Generator[simpy.Event, Any, None]:
        while True:
            if self.absent:
                yield self.crew.absence_changed  # off until the crew's absences change
                continue
            job = yield from self._next_job()
            if job is None:  # the shift is over, or the technician was sent away
                continue
            if job.item.order.service_item.product_item.order.cancelling:
                job.done.succeed()  # the order was cancelled while the visit waited
                continue
            yield from self._visit(job)
            job = None  # a finished visit's order may leave memory before the next job

    def _next_job(self) -> Generator[simpy.Event, Any, Job | None]:
        """The next job of the dispatch queue, taken inside the shift; None when the
        shift has not started, ends first, or the technician is sent away meanwhile."""
        env = self.env
        if self._all_day:
            get = self.crew.queue.get()
            wait: simpy.Event = get
        else:
            into_day = env.now % DAY_S
            if into_day < self._start_s:
                yield env.timeout(self._start_s - into_day)
                return None
            if into_day >= self._end_s:
                yield env.timeout(DAY_S - into_day + self._start_s)
                return None
            get = self.crew.queue.get()
            wait = get | env.timeout(self._end_s - into_day)
        self.waiting_for_work = True
        with contextlib.suppress(simpy.Interrupt):  # sent away (Workforce.set_absent)
            yield wait
        self.waiting_for_work = False
        if not get.triggered:
            get.cancel()
            return None
        return get.value  # (a job handed over in the instant it was sent away: do it)

    def _visit(self, job: Job) -> Generator[simpy.Event, Any, None]:
        """Travel to the site and install, or find nobody home; ends the job's event."""
        env, crew, item = self.env, self.crew, job.item
        started = env.now
        waited_s = started - job.queued_s
        item.appointment = (self.spec.name, started)
        crew.bus.emit(VisitStarted(crew.name, self.spec.name, item.key, waited_s, started))
        # The longer a visit was postponed, the likelier nobody is home for it.
        no_show = crew.no_show_rate + crew.no_show_per_wait_day * (waited_s / DAY_S)
        if no_show and crew.rng.random() < no_show:
            yield env.timeout(crew.travel_s() + NO_SHOW_WAIT_S)
            outcome: SouthboundError | None = SouthboundError(
                item.key, FalloutCause.CUSTOMER_NOT_HOME, self.spec.name,
                "nobody home at the appointment")
            item.appointment = None  # nobody let the technician in: not on site
        else:
            yield env.timeout(crew.travel_s() + crew.install_s())
            outcome = None
        crew.bus.emit(VisitEnded(crew.name, self.spec.name, item.key, started,
                                 outcome is None, env.now))
        if outcome is None:
            job.done.succeed()
        else:
            job.done.fail(outcome)


class DispatchQueue(simpy.Store):
    """A region's dispatch queue, first come first served, urgent jobs (of expedited
    orders) first, that tells ``taken(job)`` the moment a technician takes a job (SimPy's
    hook for what a get does)."""

    def __init__(self, env: simpy.Environment, taken: Callable[[Job], None]) -> None:
        super().__init__(env)
        self._taken = taken
        self.urgent = 0  # the first ``urgent`` items are urgent jobs

    def _do_put(self, event: Any) -> None:
        job = event.item
        if job.urgent:
            self.items.insert(self.urgent, job)
            self.urgent += 1
        else:
            self.items.append(job)
        event.succeed()

    def _do_get(self, event: Any) -> None:
        if self.items:
            job = self.items.pop(0)
            self.urgent = max(0, self.urgent - 1)
            event.succeed(job)
            self._taken(job)

    def hurry(self, order_id: str) -> None:
        """Make the queued jobs of ``order_id`` urgent (after those urgent before)."""
        rest = self.items[self.urgent:]
        mine = [j for j in rest if j.order_id == order_id]
        if not mine:
            return
        for job in mine:
            job.urgent = True
        others = [j for j in rest if j.order_id != order_id]
        self.items[self.urgent:] = mine + others
        self.urgent += len(mine)


class Workforce:
    """The crew of one region; satisfies the southbound port for install visits."""

    def __init__(self, env: simpy.Environment, name: str, technicians: list[TechnicianSpec],
                 settings: WorkforceSettings, rng: random.Random,
                 bus: EventBus | None = None) -> None:
        self.env = env
        self.name = name
        self.settings = settings
        self.bus = bus or EventBus()  # where it announces its visits (nobody: its own)
        self.queue = DispatchQueue(env, self._taken)
        self.absent = 0  # technicians off (sick, storm duty): see set_absent
        self.absence_changed = env.event()  # fires (and is renewed) when ``absent`` does
        self.no_show_rate = settings.no_show_rate
        self.no_show_per_wait_day = settings.no_show_per_wait_day
        self.rng = rng
        travel, install = settings.travel_min.sampler(rng), settings.install_min.sampler(rng)
        self.travel_s = lambda: MINUTE_S * travel()
        self.install_s = lambda: MINUTE_S * install()
        self._lead_s = settings.appointment_lead_days.sampler(rng)
        # Visits booked for a later day, by order (an expedite dispatches them now), and
        # the orders expedited so far (their later visits are dispatched urgent at once).
        self._booked: dict[str, list[tuple[ResourceOrderItem, simpy.Event]]] = {}
        self.expedited: set[str] = set()
        self.bus.subscribe(OrderExpedited, self._on_expedited)
        self.technicians = [Technician(env, spec, self, i) for i, spec in enumerate(technicians)]

    def activate(self, item: ResourceOrderItem) -> simpy.Event:
        """Book the visit: the job joins the dispatch queue when its appointment day comes.
        The returned event is the job's: a technician ends it (no process per visit)."""
        done = self.env.event()
        lead_s = self._lead_s() * DAY_S
        order_id = _order_id(item)
        if order_id in self.expedited:
            self._dispatch(item, done, urgent=True)
        elif lead_s:
            booking = (item, done)
            self._booked.setdefault(order_id, []).append(booking)
            self.env.timeout(lead_s).callbacks.append(
                lambda _: self._booked_day(order_id, booking))
        else:
            self._dispatch(item, done)
        return done

    def _booked_day(self, order_id: str,
                    booking: tuple[ResourceOrderItem, simpy.Event]) -> None:
        waiting = self._booked.get(order_id)
        if waiting is None or booking not in waiting:
            return  # dispatched early (its order was expedited)
        waiting.remove(booking)
        if not waiting:
            del self._booked[order_id]
        self._dispatch(*booking)

    def _on_expedited(self, event: OrderExpedited) -> None:
        """An expedited order's visits go first: those queued move ahead, those booked
        for a later day are dispatched now."""
        if event.order_id in self.expedited:
            return
        self.expedited.add(event.order_id)
        self.queue.hurry(event.order_id)
        for item, done in self._booked.pop(event.order_id, ()):
            self._dispatch(item, done, urgent=True)

    def deactivate(self, item: Activated) -> simpy.Event:
        # A visit that happened cannot be undone; the ONT stays on the wall.
        return self.env.timeout(0)

    def _dispatch(self, item: ResourceOrderItem, done: simpy.Event,
                  urgent: bool = False) -> None:
        self.queue.put(Job(item, self.env.now, done, urgent))
        self.bus.emit(VisitQueued(self.name, item.key, self.env.now))

    def _taken(self, job: Job) -> None:
        self.bus.emit(VisitTaken(self.name, job.item.key, self.env.now))

    def set_absent(self, count: int) -> None:
        """Make the first ``count`` technicians absent (at most all of them) from now:
        those waiting for work leave at once, those absent before and no longer come back.
        """
        self.absent = max(0, min(len(self.technicians), count))
        for t in self.technicians[:self.absent]:
            if t.waiting_for_work:
                t.waiting_for_work = False  # interrupted once, however often this is called
                t.process.interrupt("absent")
        changed, self.absence_changed = self.absence_changed, self.env.event()
        changed.succeed()

    @property
    def backlog(self) -> int:
        """Visits in the dispatch queue now."""
        return len(self.queue.items)
