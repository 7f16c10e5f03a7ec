"""Jeopardy: the SLA clock of every product order.

Each offering promises a delivery time (catalog ``sla_days``). When ``share`` of it has
passed and the order is still open, the order is in jeopardy (operations should act);
when all of it has passed, the SLA is breached. An order of several offerings runs on
the tightest SLA among them. The clocks are entries of one :class:`om.agenda.Agenda`
(an order id, no timeout and no process per order); a breach clock is set only for an
order still open at its jeopardy point.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from om.agenda import Agenda
from om.events import EventBus, JeopardyRaised, SlaBreached
from om.orders import ProductOrder

Clock = tuple[str, str, float, float]  # order id, offering, SLA s, due at s


class JeopardyMonitor:
    """Raises jeopardy and breach events for orders still open at their deadlines.

    ``is_open(order_id)`` says whether an order is still open (not terminal). The clocks
    keep the order's id, not the order: an order that ended leaves memory at once, not
    when its SLA clock would have run out.
    """

    def __init__(self, env: simpy.Environment, bus: EventBus,
                 is_open: Callable[[str], bool], share: float = 0.8) -> None:
        if not 0 < share < 1:
            raise ValueError(f"jeopardy share must be in (0, 1), got {share}")
        self.env = env
        self.bus = bus
        self.is_open = is_open
        self.share = share
        self.raised = 0
        self.breached = 0
        self._clocks = Agenda(env)

    def watch(self, order: ProductOrder, offering: str, sla_s: float) -> None:
        """Start the SLA clock of ``order`` (at its order date)."""
        now = self.env.now
        warn = order.order_date_s + self.share * sla_s
        # (now + max(0, t - now): when a timeout set now for time t would go off)
        self._clocks.at(now + max(0.0, warn - now), self._check_jeopardy,
                        (order.id, offering, sla_s, order.order_date_s + sla_s))

    def _check_jeopardy(self, clock: Clock) -> None:
        # A terminal order never reopens: only an order open now can breach later, so
        # the breach clock exists only then. Most orders finish well inside their SLA.
        order_id, offering, sla_s, due = clock
        if not self.is_open(order_id):
            return
        now = self.env.now
        self.raised += 1
        self.bus.emit(JeopardyRaised(order_id, offering, sla_s, now))
        self._clocks.at(now + max(0.0, due - now), self._check_breach, clock)

    def _check_breach(self, clock: Clock) -> None:
        order_id, offering, sla_s, _ = clock
        if self.is_open(order_id):
            self.breached += 1
            self.bus.emit(SlaBreached(order_id, offering, sla_s, self.env.now))
