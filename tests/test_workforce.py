"""The field workforce on its own: dispatch, shifts and absences as events."""

from __future__ import annotations

import random
from types import SimpleNamespace

import simpy

from network_model import TechnicianSpec
from sim.elements.events import VisitEnded, VisitStarted
from sim.elements.workforce import Workforce
from sim.scenario.schema import WorkforceSettings
from sim.units import HOUR_S


def _crew(env, technicians=2, start=0.0, end=24.0):
    settings = WorkforceSettings(technicians=technicians, shift_start_hour=start,
                                 shift_end_hour=end, travel_min=0, install_min=60,
                                 appointment_lead_days=0)
    specs = [TechnicianSpec(name=f"T{n}", region="R01", shift_start_hour=start,
                            shift_end_hour=end) for n in range(technicians)]
    return Workforce(env, "workforce:R01", specs, settings, random.Random(1))


def _heard(crew, event_type):
    """The events of ``event_type`` the crew announces from now on."""
    heard = []
    crew.bus.subscribe(event_type, heard.append)
    return heard


def _visit(n):
    """The parts of a resource order item a crew reads."""
    order = SimpleNamespace(id=f"PO-{n}", cancelling=False)
    return SimpleNamespace(key=f"RO-{n}/1", appointment=None, order=SimpleNamespace(
        service_item=SimpleNamespace(product_item=SimpleNamespace(order=order))))


def test_absence_sends_idle_technicians_away_and_back_at_once():
    """An absence starts and ends when the fault says, not at the next hourly look:
    a visit booked while the whole crew is away starts the instant it returns."""
    env = simpy.Environment()
    crew = _crew(env)
    started = _heard(crew, VisitStarted)
    env.run(until=10.0)  # both technicians are waiting for work
    crew.set_absent(2)
    done = crew.activate(_visit(1))
    env.run(until=1000.0)
    assert not done.triggered and crew.backlog == 1  # nobody took it
    crew.set_absent(0)
    env.run(until=1000.0 + HOUR_S + 1)
    assert done.ok and [v.waited_s for v in started] == [990.0]  # queued at 10, taken 1000


def test_a_technician_on_a_visit_finishes_it_before_leaving():
    """Absence stops new work, not the visit in progress."""
    env = simpy.Environment()
    crew = _crew(env, technicians=1)
    ended = _heard(crew, VisitEnded)
    first, second = crew.activate(_visit(1)), crew.activate(_visit(2))
    env.run(until=600.0)
    crew.set_absent(1)
    env.run(until=3 * HOUR_S)
    assert first.ok and not second.triggered
    assert [(v.technician, v.item_key) for v in ended] == [("T0", "RO-1/1")]
    assert crew.backlog == 1


def test_absence_is_bounded_by_the_crew():
    """More absences than technicians leave the crew empty, not negative; fewer come back."""
    env = simpy.Environment()
    crew = _crew(env, technicians=3)
    crew.set_absent(5)
    assert crew.absent == 3
    crew.set_absent(crew.absent - 5)
    assert crew.absent == 0


def test_an_absence_outside_the_shift_waits_for_no_one():
    """A technician off shift when the absence starts simply does not come in."""
    env = simpy.Environment()
    crew = _crew(env, technicians=1, start=8.0, end=18.0)
    started = _heard(crew, VisitStarted)
    env.run(until=HOUR_S)  # 01:00, before the shift
    crew.set_absent(1)
    done = crew.activate(_visit(1))
    env.run(until=20 * HOUR_S)
    assert not done.triggered
    crew.set_absent(0)  # back at 20:00, after the shift: the visit waits for 08:00
    env.run(until=32 * HOUR_S + 1)
    assert [v.waited_s for v in started] == [31 * HOUR_S] and not done.triggered
    env.run(until=33 * HOUR_S + 1)
    assert done.ok
