"""Lifecycle figures for the run report: orders by type, SLA attainment and jeopardy per
offering, cancellations, amendments, approvals, cycle time per segment, and the site
progress of every bulk order. Fed by events only; :class:`sim.measure.metrics.Metrics`
owns one.

SLA attainment is the share of delivery orders (provide and move) completed within
their offering's ``sla_days``, among those submitted after the warm-up; jeopardy and
breach counts cover every order type.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from om import Catalog, EventBus, ProductOrder, StateChanged
from om.events import (
    AmendmentDecided,
    ApprovalDecided,
    CancellationDecided,
    JeopardyRaised,
    SlaBreached,
)
from om.orders import TERMINAL
from sim.measure.rounding import r6 as _r
from sim.units import DAY_S, HOUR_S

_DELIVERY = ("provide", "move")


class LifecycleRecord:
    """What the lifecycle figures keep about one product order."""

    __slots__ = ("order_type", "offering", "segment", "sla_s", "submitted_s", "ended_s",
                 "state", "jeopardy", "breached", "places", "done_sites", "failed_sites")

    def __init__(self, order: ProductOrder, catalog: Catalog, now: float) -> None:
        self.order_type = order.order_type
        first = catalog.offering(order.items[0].offering) if order.items else None
        self.offering = order.items[0].offering if order.items else ""
        self.segment = first.segment if first else "unknown"
        self.sla_s = first.sla_s if first else 0.0
        self.submitted_s = now
        self.ended_s: float | None = None
        self.state = "acknowledged"
        self.jeopardy = False
        self.breached = False
        # Bulk orders only (a provide of several sites): item id -> site address.
        bulk = len(order.items) > 1 and self.order_type == "provide"
        self.places = {i.id: i.place for i in order.items} if bulk else None
        self.done_sites = 0
        self.failed_sites: list[str] = []


class LifecycleMetrics:
    """Subscribes to lifecycle events; ``report`` gives the report's lifecycle keys."""

    def __init__(self, bus: EventBus, catalog: Catalog, warmup_s: float,
                 jeopardy_share: float) -> None:
        self.catalog = catalog
        self.warmup_s = warmup_s
        self.jeopardy_share = jeopardy_share
        self.records: dict[str, LifecycleRecord] = {}
        self.cancellations: list[CancellationDecided] = []
        self.amendments: list[AmendmentDecided] = []
        self.approvals: list[ApprovalDecided] = []
        bus.subscribe(StateChanged, self._on_state)
        bus.subscribe(JeopardyRaised, self._on_jeopardy)
        bus.subscribe(SlaBreached, self._on_breach)
        bus.subscribe(CancellationDecided, self.cancellations.append)
        bus.subscribe(AmendmentDecided, self.amendments.append)
        bus.subscribe(ApprovalDecided, self.approvals.append)

    def order_submitted(self, order: ProductOrder, now: float) -> None:
        self.records[order.id] = LifecycleRecord(order, self.catalog, now)

    def _on_state(self, event: StateChanged) -> None:
        if event.new not in TERMINAL:
            return
        if event.entity == "productOrder":
            record = self.records.get(event.id)
            if record is not None:
                record.state = event.new
                record.ended_s = event.at_s
        elif event.entity == "productOrderItem":
            order_id, _, item_id = event.id.partition("/")
            record = self.records.get(order_id)
            if record is not None and record.places is not None:
                if event.new == "completed":
                    record.done_sites += 1
                else:
                    record.failed_sites.append(record.places.get(item_id, item_id))

    def _on_jeopardy(self, event: JeopardyRaised) -> None:
        record = self.records.get(event.order_id)
        if record is not None:
            record.jeopardy = True

    def _on_breach(self, event: SlaBreached) -> None:
        record = self.records.get(event.order_id)
        if record is not None:
            record.breached = True

    # -- the report ---------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        records = list(self.records.values())
        cohort = [r for r in records if r.submitted_s >= self.warmup_s]
        refusals = Counter(_refusal_kind(c.refusal) for c in self.cancellations
                           if not c.accepted)
        waits = np.array([a.waited_s for a in self.approvals]) / HOUR_S
        return {
            "order_types": self._by_type(records, cohort),
            "sla": {"jeopardy_share": self.jeopardy_share,
                    "by_offering": self._sla(records, cohort)},
            "segments": self._segments(cohort),
            "bulk_orders": self._bulk(),
            "cancellations": {
                "requested": len(self.cancellations),
                "accepted": sum(c.accepted for c in self.cancellations),
                "refused": sum(not c.accepted for c in self.cancellations),
                "refusals": dict(sorted(refusals.items())),
            },
            "amendments": {
                "requested": len(self.amendments),
                "applied": sum(a.applied for a in self.amendments),
                "refused": sum(not a.applied for a in self.amendments),
            },
            "approvals": {
                "decided": len(self.approvals),
                "approved": sum(a.approved for a in self.approvals),
                "rejected": sum(not a.approved for a in self.approvals),
                "wait_hours_mean": _r(float(waits.mean())) if waits.size else 0.0,
            },
        }

    def _by_type(self, records: list[LifecycleRecord], cohort: list[LifecycleRecord]
                 ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind in sorted({r.order_type for r in records}):
            mine = [r for r in records if r.order_type == kind]
            states = Counter(r.state for r in mine)
            out[kind] = {
                "submitted": len(mine),
                **{s.value: states[s.value] for s in sorted(TERMINAL)},
                "in_flight": sum(1 for r in mine if r.state not in TERMINAL),
                "cycle_time_hours": _cycle([r for r in cohort if r.order_type == kind]),
            }
        return out

    def _sla(self, records: list[LifecycleRecord], cohort: list[LifecycleRecord]
             ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in sorted({r.offering for r in records}):
            mine = [r for r in records if r.offering == name]
            delivered = [r for r in cohort if r.offering == name
                         and r.order_type in _DELIVERY and r.state == "completed"
                         and r.ended_s is not None]
            on_time = sum(1 for r in delivered if r.ended_s - r.submitted_s <= r.sla_s)
            out[name] = {
                "sla_days": _r(mine[0].sla_s / DAY_S),
                "delivered": len(delivered),
                "on_time": on_time,
                "attainment": _r(on_time / len(delivered)) if delivered else None,
                "jeopardy": sum(r.jeopardy for r in mine),
                "breached": sum(r.breached for r in mine),
            }
        return out

    def _segments(self, cohort: list[LifecycleRecord]) -> dict[str, Any]:
        return {segment: _cycle([r for r in cohort if r.segment == segment])
                for segment in sorted({r.segment for r in cohort})}

    def _bulk(self) -> list[dict[str, Any]]:
        """Every provide order of several sites, with its sites' outcomes (cycle time
        when it ended completed or partial)."""
        out = []
        for order_id, r in self.records.items():
            if r.places is None:
                continue
            done = r.state in ("completed", "partial") and r.ended_s is not None
            out.append({
                "id": order_id, "offering": r.offering, "sites": len(r.places),
                "state": r.state if r.state in TERMINAL else "in_flight",
                "completed_sites": r.done_sites,
                "failed_sites": len(r.failed_sites), "failed_site_places": r.failed_sites,
                "open_sites": len(r.places) - r.done_sites - len(r.failed_sites),
                "submitted_day": _r(r.submitted_s / DAY_S),
                "cycle_time_hours": _r((r.ended_s - r.submitted_s) / HOUR_S)
                if done and r.ended_s is not None else None,
            })
        return out


def _refusal_kind(refusal: str) -> str:
    """Why a cancellation was refused, without the names (technician, CFS) in it."""
    if refusal.startswith("technician "):
        return "technician on site"
    if "already being changed" in refusal:
        return "change already in the network"
    if refusal.startswith("order is already"):
        return "order already ended"
    return refusal


def _cycle(records: list[LifecycleRecord]) -> dict[str, Any]:
    hours = np.array([(r.ended_s - r.submitted_s) / HOUR_S for r in records
                      if r.state == "completed" and r.ended_s is not None])
    if hours.size == 0:
        return {"n": 0, "mean": 0.0, "p50": 0.0, "p90": 0.0}
    p50, p90 = np.percentile(hours, [50, 90])
    return {"n": int(hours.size), "mean": _r(hours.mean()), "p50": _r(p50), "p90": _r(p90)}
