"""Jeopardy: the SLA clock of every product order.

Each offering promises a delivery time (catalog ``sla_days``). When ``share`` of it has
passed and the order is still open, the order is in jeopardy (operations should act);
when all of it has passed, the SLA is breached. An order of several offerings runs on
the tightest SLA among them. The monitor costs one timer callback per order (two for an
order still open at its jeopardy point) and no process.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from om.events import EventBus, JeopardyRaised, SlaBreached
from om.orders import ProductOrder


class JeopardyMonitor:
    """Raises jeopardy and breach events for orders still open at their deadlines.

    ``is_open(order_id)`` says whether an order is still open (not terminal). The timers
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

    def watch(self, order: ProductOrder, offering: str, sla_s: float) -> None:
        """Start the SLA clock of ``order`` (at its order date)."""
        env, is_open, order_id = self.env, self.is_open, order.id
        due = order.order_date_s + sla_s
        warn = order.order_date_s + self.share * sla_s

        def check_jeopardy(_: simpy.Event) -> None:
            # A terminal order never reopens: only an order open now can breach later, so
            # the breach timer (and its callback) exist only then. Most orders finish well
            # inside their SLA and cost one timer.
            if not is_open(order_id):
                return
            self.raised += 1
            self.bus.emit(JeopardyRaised(order_id, offering, sla_s, env.now))

            def check_breach(_: simpy.Event) -> None:
                if is_open(order_id):
                    self.breached += 1
                    self.bus.emit(SlaBreached(order_id, offering, sla_s, env.now))

            env.timeout(max(0.0, due - env.now)).callbacks.append(check_breach)

        env.timeout(max(0.0, warn - env.now)).callbacks.append(check_jeopardy)
