"""Escalation: what the order manager does about an order in jeopardy.

The jeopardy monitor (:mod:`om.jeopardy`) says when an open order has used its share of
the SLA; the rules here say what happens then, for every offering alike (scenario data,
not code per offering). Each rule is an action:

- ``expedite``: the order moves ahead at once (:class:`om.events.OrderExpedited`): the
  workforce dispatches its install visits first and without waiting for their booked
  day, the partner gateway asks its partners to hurry its partner orders;
- ``escalate``: a case for the supervisor desk, a staffed desk with its own handling
  time; once worked, the order is expedited (a forced reschedule, a partner pushed) if
  it is still open;
- ``notify``: the customer and the account team are told (the
  :class:`om.events.EscalationRaised` event itself, which a hub may deliver).

Every action taken is one :class:`om.events.EscalationRaised`; metrics count them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from om.desk import StaffedDesk
from om.events import EscalationRaised, EventBus, JeopardyRaised, OrderExpedited

ACTIONS = ("expedite", "escalate", "notify")


class Escalation:
    """Acts on each :class:`JeopardyRaised` by the ``actions`` rules, in that order.

    ``supervisors`` is the desk ``escalate`` hands cases to (needed for that action);
    ``is_open(order_id)`` whether an order is still open when a case is done.
    """

    def __init__(self, env: simpy.Environment, bus: EventBus, actions: tuple[str, ...],
                 is_open: Callable[[str], bool],
                 supervisors: StaffedDesk | None = None) -> None:
        unknown = [a for a in actions if a not in ACTIONS]
        if unknown:
            raise ValueError(f"unknown escalation action(s) {unknown}; known: {ACTIONS}")
        if "escalate" in actions and supervisors is None:
            raise ValueError("the 'escalate' action needs a supervisor desk")
        self.env = env
        self.bus = bus
        self.actions = actions
        self.is_open = is_open
        self.supervisors = supervisors
        self.taken = 0  # actions taken
        bus.subscribe(JeopardyRaised, self._on_jeopardy)

    def _on_jeopardy(self, event: JeopardyRaised) -> None:
        env, emit = self.env, self.bus.emit
        for action in self.actions:
            self.taken += 1
            emit(EscalationRaised(event.order_id, event.offering, action, env.now))
            if action == "expedite":
                emit(OrderExpedited(event.order_id, "expedite", env.now))
            elif action == "escalate":
                env.process(self._escalate(event.order_id))

    def _escalate(self, order_id: str) -> Generator[simpy.Event, Any, None]:
        assert self.supervisors is not None
        yield from self.supervisors.serve()
        if self.is_open(order_id):
            self.bus.emit(OrderExpedited(order_id, "escalate", self.env.now))
