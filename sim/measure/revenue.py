"""Revenue figures for the run report (``revenue``, when the catalog prices its
offerings): what delay and fallout cost, per offering and per fallout cause.

- **Revenue delayed**: a provide order that starts billing after its promised date
  (order date plus the tightest SLA among its offerings, as the jeopardy clock runs)
  loses the billing days between the two: days late times the recurring charge per
  day of the products it created.
- **Revenue lost**: a provide order that fell out for good (ended ``failed`` or
  ``rejected`` with a fallout cause; ``partial``: its failed items' share) or was
  cancelled after it had been in jeopardy loses its contract value (one-off charge plus
  the monthly charge for the term; :class:`om.commercial.Charges`).

Each order's amount is rounded to the cent once, so the breakdowns add up to the totals
exactly. The cause is the order's root fallout cause (``none``: late without fallout;
``cancelled_in_jeopardy``: cancelled with no fallout). Orders submitted in the warm-up
are left out, as for SLA attainment.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from om import Action, BillingStarted, Catalog, FalloutRaised, JeopardyRaised, ProductOrder
from om.events import EventBus, StateChanged
from sim.units import DAY_S


class PricedOrder:
    """What the revenue figures keep about one provide order until it ends."""

    __slots__ = ("offering", "value", "daily", "due_s", "items", "failed", "cause",
                 "jeopardy")

    def __init__(self, offering: str, value: float, daily: float, due_s: float,
                 items: int) -> None:
        self.offering = offering
        self.value = value  # contract value of its add items
        self.daily = daily  # recurring charge per billing day of its add items
        self.due_s = due_s  # the promised billing start
        self.items = items
        self.failed = 0  # items failed so far
        self.cause: str | None = None  # root fallout cause
        self.jeopardy = False


class RevenueFigures:
    """Subscribes to billing, fallout, jeopardy and state events; ``report`` gives the
    report's ``revenue``. ``order_submitted`` hears of each order first."""

    def __init__(self, bus: EventBus, catalog: Catalog, warmup_s: float) -> None:
        self.catalog = catalog
        self.warmup_s = warmup_s
        self.currency = catalog.model.currency
        self.open: dict[str, PricedOrder] = {}
        # (offering, cause) -> cents; and how many orders and billing days
        self.delayed: Counter[tuple[str, str]] = Counter()
        self.lost: Counter[tuple[str, str]] = Counter()
        self.delayed_orders = self.lost_orders = 0
        self.billing_days_lost = 0.0
        bus.subscribe(BillingStarted, self._on_billing)
        bus.subscribe(FalloutRaised, self._on_fallout)
        bus.subscribe(JeopardyRaised, self._on_jeopardy)
        bus.subscribe_states(self._on_state, entities=("productOrderItem", "productOrder"),
                             states=_LOSING)  # (an item's "failed" is one of them)

    def order_submitted(self, order: ProductOrder, now: float) -> None:
        if now < self.warmup_s or order.order_type != "provide":
            return
        plans = [self.catalog.offerings.get(i.offering) for i in order.items]
        if any(p is None for p in plans) or not plans:
            return  # rejected at validation: never a product, never revenue
        adds = [p for p, i in zip(plans, order.items, strict=True) if i.action is Action.ADD]
        value = sum(p.charges.contract_value for p in adds)  # type: ignore[union-attr]
        if value <= 0:
            return
        self.open[order.id] = PricedOrder(
            order.items[0].offering, value,
            sum(p.charges.daily for p in adds),  # type: ignore[union-attr]
            order.order_date_s + min(p.sla_s for p in plans),  # type: ignore[union-attr]
            len(adds))

    def _on_fallout(self, event: FalloutRaised) -> None:
        record = self.open.get(event.order_id)
        if record is not None and record.cause is None:
            record.cause = event.cause

    def _on_jeopardy(self, event: JeopardyRaised) -> None:
        record = self.open.get(event.order_id)
        if record is not None:
            record.jeopardy = True

    def _on_billing(self, event: BillingStarted) -> None:
        record = self.open.pop(event.order_id, None)
        if record is None or event.at_s <= record.due_s:
            return
        days = (event.at_s - record.due_s) / DAY_S
        self.delayed[(record.offering, record.cause or "none")] += round(
            days * record.daily * 100)
        self.delayed_orders += 1
        self.billing_days_lost += days * record.items

    def _on_state(self, event: StateChanged) -> None:
        if event.entity == "productOrderItem":
            if event.new == "failed":
                record = self.open.get(event.id.partition("/")[0])
                if record is not None:
                    record.failed += 1
            return
        if event.entity != "productOrder" or event.new not in _LOSING:
            return
        record = self.open.pop(event.id, None)
        if record is None:
            return
        share = 1.0
        if event.new == "partial":
            share = min(record.failed, record.items) / record.items
        elif event.new == "cancelled":
            if not record.jeopardy:
                return  # cancelled in good time: no loss we caused
            record.cause = record.cause or "cancelled_in_jeopardy"
        if record.cause is None or share <= 0:
            return
        self.lost[(record.offering, record.cause)] += round(record.value * share * 100)
        self.lost_orders += 1

    def report(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "delayed": {**_breakdown(self.delayed), "orders": self.delayed_orders,
                        "billing_days": round(self.billing_days_lost, 3)},
            "lost": {**_breakdown(self.lost), "orders": self.lost_orders},
        }


_LOSING = frozenset({"failed", "rejected", "partial", "cancelled"})


def _breakdown(cents: Counter[tuple[str, str]]) -> dict[str, Any]:
    """Total, by offering and by cause, in currency units (from whole cents)."""
    def by(index: int) -> dict[str, float]:
        out: Counter[str] = Counter()
        for key, amount in cents.items():
            out[key[index]] += amount
        return {k: out[k] / 100 for k in sorted(out)}
    return {"total": sum(cents.values()) / 100, "by_offering": by(0), "by_cause": by(1)}
