"""Order traces: each product order's tree across COM, SOM and ROM with every item's
state history, recorded from the event bus (``omsim trace`` prints it:
:mod:`sim.report.trace`).

The recorder is off unless a run asks for it (``omsim run --trace``): it keeps every
order object and every state change, which a plain run does not need. The trace goes
into the JSON report under ``trace`` (order id -> tree); times are simulated seconds.
Besides the states, a tree keeps the order's first fallout (cause, layer, when, the
item that raised it) and, on a resource order item done by the workforce, each install
visit (booked, on the dispatch queue, started, ended, installed or nobody home): what
``omsim export`` turns into an order history. On an item a partner fulfils, the
partner's order: its id at the partner and each state it reported (the correlation
both ways: the partner knows the order by the item's id).
"""

from __future__ import annotations

from typing import Any

from om import EventBus, FalloutRaised, ProductOrder, StateChanged
from om.events import PartnerOrderChanged
from sim.elements.events import VisitEnded, VisitQueued, VisitStarted

History = list[tuple[str, float]]


class TraceRecorder:
    """Subscribes to state changes, fallout and visits; builds order trees at the end."""

    def __init__(self, bus: EventBus) -> None:
        self.history: dict[tuple[str, str], History] = {}
        self.orders: list[ProductOrder] = []
        self.fallout: dict[str, FalloutRaised] = {}  # order id -> its first fallout
        self.visits: dict[str, list[dict[str, Any]]] = {}  # resource order item -> visits
        self.partner_orders: dict[str, dict[str, Any]] = {}  # resource order item -> order
        bus.subscribe(PartnerOrderChanged, self._on_partner)
        bus.subscribe(StateChanged, self._on_state)
        bus.subscribe(FalloutRaised, self._on_fallout)
        bus.subscribe(VisitQueued, self._on_queued)
        bus.subscribe(VisitStarted, self._on_started)
        bus.subscribe(VisitEnded, self._on_ended)

    def _on_state(self, event: StateChanged) -> None:
        self.history.setdefault((event.entity, event.id), []).append((event.new, event.at_s))

    def _on_fallout(self, event: FalloutRaised) -> None:
        self.fallout.setdefault(event.order_id, event)

    def _on_queued(self, event: VisitQueued) -> None:
        self.visits.setdefault(event.item_key, []).append({"queued_s": round(event.at_s, 3)})

    def _on_started(self, event: VisitStarted) -> None:
        self.visits[event.item_key][-1]["started_s"] = round(event.at_s, 3)

    def _on_ended(self, event: VisitEnded) -> None:
        visit = self.visits[event.item_key][-1]
        visit["ended_s"] = round(event.at_s, 3)
        visit["installed"] = event.installed

    def _on_partner(self, event: PartnerOrderChanged) -> None:
        record = self.partner_orders.setdefault(
            event.item_key, {"partner": event.partner, "orders": {}})
        record["orders"].setdefault(event.partner_order_id, []).append(
            [event.state, round(event.at_s, 3), event.detail])

    def track(self, order: ProductOrder) -> None:
        """Remember an order so that its tree can be built (call at submit)."""
        self.orders.append(order)

    def _h(self, entity: Any) -> list[list[Any]]:
        return [[state, round(t, 3)] for state, t in self.history.get(
            (entity.entity, entity.key), ())]

    def tree(self, order: ProductOrder) -> dict[str, Any]:
        """The order's tree: product items -> service items -> resource order items."""
        cancellation = order.cancellation
        return {
            "id": order.id,
            "type": order.order_type,
            "category": order.category,
            "customer": order.customer,
            "state": order.state.value,
            "state_reason": order.state_reason,
            "order_date_s": order.order_date_s,
            "history": self._h(order),
            "cancellation": None if cancellation is None else {
                "reason": cancellation.reason, "accepted": cancellation.accepted,
                "refusal": cancellation.refusal, "at_s": cancellation.requested_s},
            "amendments": [{"item": a.item_id, "characteristics": a.characteristics,
                            "applied": a.applied, "refusal": a.refusal, "at_s": a.at_s}
                           for a in order.amendments],
            "service_order": order.service_order.id if order.service_order else None,
            "fallout": self._fallout(order.id),
            "items": [self._product_item(i) for i in order.items],
        }

    def _fallout(self, order_id: str) -> dict[str, Any] | None:
        event = self.fallout.get(order_id)
        if event is None:
            return None
        return {"cause": event.cause, "layer": event.layer, "at_s": round(event.at_s, 3),
                "item": event.item_id, "detail": event.detail}

    def _visits(self, item: Any) -> list[dict[str, Any]]:
        """The item's install visits; each booked when the item was activated (the
        first) or when the visit before found nobody home (a rebooking, at once)."""
        visits = self.visits.get(item.key, [])
        started = next((t for state, t in self.history.get((item.entity, item.key), ())
                        if state == "inProgress"), None)
        out = []
        for n, visit in enumerate(visits):
            booked = started if n == 0 else visits[n - 1].get("ended_s")
            out.append({"booked_s": None if booked is None else round(booked, 3), **visit})
        return out

    def _product_item(self, item: Any) -> dict[str, Any]:
        return {
            "id": item.id, "action": item.action.value, "offering": item.offering,
            "place": item.place, "product": item.product_id, "state": item.state.value,
            "history": self._h(item), "no_change": list(item.unchanged),
            "services": [self._service_item(s) for s in item.service_items],
        }

    def _service_item(self, item: Any) -> dict[str, Any]:
        ro = item.resource_order
        return {
            "id": item.key, "cfs": item.cfs, "action": item.action.value,
            "service": item.service_id, "state": item.state.value, "history": self._h(item),
            "no_change": list(item.unchanged),
            "resource_order": None if ro is None else {
                "id": ro.id, "state": ro.state.value, "history": self._h(ro),
                "items": [{"id": r.key, "rfs": r.rfs, "action": r.action.value,
                           "target": r.target, "resources": r.identifiers(),
                           "state": r.state.value, "history": self._h(r),
                           **({"visits": self._visits(r)} if r.key in self.visits else {}),
                           **({"partner": self.partner_orders[r.key]}
                              if r.key in self.partner_orders else {})}
                          for r in ro.items]},
        }

    def report(self) -> dict[str, Any]:
        """Every tracked order's tree, by order id."""
        return {o.id: self.tree(o) for o in self.orders}
