"""Escalation figures for the run report (``escalation``, when the scenario has
escalation rules): the actions taken on orders in jeopardy, per offering and action,
and how many orders were expedited. SLA attainment, jeopardy and breaches per offering
are the lifecycle figures' (``sla.by_offering``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from om.events import EscalationRaised, EventBus, OrderExpedited


class EscalationFigures:
    """Subscribes to escalation events; ``report`` gives the report's ``escalation``."""

    def __init__(self, bus: EventBus, actions: tuple[str, ...]) -> None:
        self.actions = actions
        self.taken: Counter[tuple[str, str]] = Counter()  # (offering, action) -> count
        self.expedited: set[str] = set()  # order ids
        self.by: Counter[str] = Counter()  # expedites by who: expedite | escalate
        bus.subscribe(EscalationRaised, self._on_escalation)
        bus.subscribe(OrderExpedited, self._on_expedited)

    def _on_escalation(self, event: EscalationRaised) -> None:
        self.taken[(event.offering, event.action)] += 1

    def _on_expedited(self, event: OrderExpedited) -> None:
        self.expedited.add(event.order_id)
        self.by[event.by] += 1

    def report(self) -> dict[str, Any]:
        offerings = sorted({o for o, _ in self.taken})
        return {
            "actions": {a: sum(n for (_, act), n in self.taken.items() if act == a)
                        for a in self.actions},
            "by_offering": {o: {a: self.taken[(o, a)] for a in self.actions}
                            for o in offerings},
            "orders_expedited": len(self.expedited),
            "expedited_by": {b: self.by[b] for b in ("expedite", "escalate")},
        }
