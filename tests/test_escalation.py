"""Escalation (issue 17): jeopardy triggers actions. An expedited order's install visits
are dispatched at once and before every other job; a supervisor's case expedites the
order once worked; every action is counted per offering in the report; and with
technicians short, expediting reduces SLA breaches, judged on the replications'
confidence intervals of a sweep of escalation off and on.

The sweep's design: scenarios/gateways.yaml at a quarter of its size (one exchange, a
quarter of the orders and technicians, five of them off for a week), five replications
per arm. Off, about 75 orders breach their SLA (sd 7); on, about 18 (sd 13): the two
95 % intervals are some 25 orders apart, about three standard errors of each.
"""

from __future__ import annotations

from pathlib import Path

import simpy

from network_model import NetworkSize, Roster, generate_network
from om import EventBus
from om.desk import StaffedDesk
from om.escalation import Escalation
from om.events import EscalationRaised, JeopardyRaised, OrderExpedited
from sim.elements.workforce import Workforce, crews
from sim.experiments.sweep import Axis, run_sweep
from sim.rng import stream
from sim.scenario.schema import WorkforceSettings
from sim.stats.estimates import mean_ci
from tests.conftest import SCENARIOS

GATEWAYS = SCENARIOS / "gateways.yaml"
QUARTER = {"network.exchanges": 1, "workforce.technicians": 16, "faults.0.technicians": 5,
           "arrivals.0.rate_per_day": 40, "arrivals.1.rate_per_day": 6,
           "arrivals.2.rate_per_day": 0.05, "arrivals.3.rate_per_day": 1,
           "duration_days": 24}


class _Item:
    """What the workforce reads of a resource order item: its key and its order."""

    def __init__(self, order_id: str, n: int) -> None:
        self.key = f"{order_id}/{n}"
        product_order = type("O", (), {"id": order_id, "cancelling": False})()
        product_item = type("PI", (), {"order": product_order})()
        service_item = type("SI", (), {"product_item": product_item})()
        self.order = type("RO", (), {"service_item": service_item})()
        self.appointment = None


def test_an_expedited_order_is_dispatched_at_once_and_first():
    env, bus = simpy.Environment(), EventBus()
    net = generate_network(NetworkSize(exchanges=1, olts_per_exchange=1, line_cards_per_olt=1,
                                       pon_ports_per_line_card=1, regions=1), 1,
                           Roster(technicians=1, shift_start_hour=0, shift_end_hour=24))
    name, technicians = next(iter(crews(net).items()))
    settings = WorkforceSettings(technicians=1, shift_start_hour=0, shift_end_hour=24,
                                 appointment_lead_days=2, travel_min=0,
                                 install_min=60)
    crew = Workforce(env, name, technicians, settings, stream(1, 0, name), bus)
    done = {o: crew.activate(_Item(o, 1)) for o in ("PO-1", "PO-2", "PO-3")}
    env.run(until=3600)  # booked for day 2: nobody visited yet
    assert not any(e.triggered for e in done.values())
    bus.emit(OrderExpedited("PO-3", "expedite", env.now))
    env.run(until=3 * 3600)  # PO-3 went at once, the others wait for their day
    assert done["PO-3"].triggered and not done["PO-1"].triggered
    env.run()
    assert all(e.triggered for e in done.values())


def test_jeopardy_takes_each_action_and_a_supervisor_expedites_later():
    env, bus = simpy.Environment(), EventBus()
    heard: list = []
    bus.subscribe(EscalationRaised, heard.append)
    bus.subscribe(OrderExpedited, heard.append)
    desk = StaffedDesk(env, 1, lambda: 7200.0, 1.0, stream(1, 0, "s"))
    Escalation(env, bus, ("expedite", "escalate", "notify"), lambda o: o == "PO-1", desk)
    bus.emit(JeopardyRaised("PO-1", "Home", 86400.0, 0.0))
    bus.emit(JeopardyRaised("PO-2", "Home", 86400.0, 0.0))  # ends before its case is done
    env.run()
    assert [(type(e).__name__, e.order_id, e.at_s) for e in heard
            if isinstance(e, OrderExpedited)] == [
        ("OrderExpedited", "PO-1", 0.0), ("OrderExpedited", "PO-2", 0.0),
        ("OrderExpedited", "PO-1", 7200.0)]  # the supervisor's, two hours on
    assert sorted(e.action for e in heard if isinstance(e, EscalationRaised)) == \
        ["escalate", "escalate", "expedite", "expedite", "notify", "notify"]


def test_expediting_reduces_breaches_when_technicians_are_short():
    off, on = run_sweep(Path(GATEWAYS), [*(Axis(k, (v,)) for k, v in QUARTER.items()),
                                         Axis("escalation.enabled", (False, True))], 5)
    breaches = [mean_ci([sum(o["breached"] for o in r["sla"]["by_offering"].values())
                         for r in arm.reports]) for arm in (off, on)]
    assert breaches[1].high < breaches[0].low, breaches
    counted = on.reports[0]["escalation"]
    assert counted["actions"]["expedite"] == sum(
        o["expedite"] for o in counted["by_offering"].values()) > 0
    assert "escalation" not in off.reports[0]
