"""Lifecycle figures for the run report: orders by type, SLA attainment and jeopardy per
offering, cancellations, amendments, approvals, cycle time per segment, and the site
progress of every bulk order. Fed by events only; :class:`sim.measure.metrics.Metrics`
owns one.

SLA attainment is the share of delivery orders (provide and move) completed within
their offering's ``sla_days``, among those submitted after the warm-up; jeopardy and
breach counts cover every order type.

Each order is a row of the order ledger (:mod:`sim.measure.ledger`) that
:class:`sim.measure.metrics.Metrics` keeps; what only these figures need (the first
item's offering, jeopardy and breach) is in it too. A bulk order keeps a small record of
its own (its sites), and the lifecycle requests are counted as they are decided.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
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
from sim.measure.ledger import BREACHED, JEOPARDY, OPEN, STATES, Columns, OrderLedger
from sim.measure.rounding import r6 as _r
from sim.units import DAY_S, HOUR_S

_DELIVERY = ("provide", "move")


class BulkRecord:
    """The sites of one bulk order (a provide of several sites) and how each ended."""

    __slots__ = ("row", "offering", "places", "done_sites", "failed_sites")

    def __init__(self, row: int, order: ProductOrder) -> None:
        self.row = row  # in the order ledger
        self.offering = order.items[0].offering
        self.places = {i.id: i.place for i in order.items}  # item id -> site address
        self.done_sites = 0
        self.failed_sites: list[str] = []


class LifecycleMetrics:
    """Subscribes to lifecycle events; ``report`` gives the report's lifecycle keys."""

    def __init__(self, bus: EventBus, catalog: Catalog, warmup_s: float,
                 jeopardy_share: float, ledger: OrderLedger) -> None:
        self.catalog = catalog
        self.warmup_s = warmup_s
        self.jeopardy_share = jeopardy_share
        self.ledger = ledger  # Metrics' rows: one per order it was told of
        self.bulk: dict[str, BulkRecord] = {}  # by order id, in submission order
        self.cancellations = Counter[str]()  # requested, accepted, refused
        self.refusals = Counter[str]()  # by kind
        self.amendments = Counter[str]()  # requested, applied, refused
        self.approvals = Counter[str]()  # decided, approved, rejected
        self._approval_waits_s = array("d")
        bus.subscribe_states(self._on_state, entities=("productOrderItem",),
                             states=(s.value for s in TERMINAL))
        bus.subscribe(JeopardyRaised, self._on_jeopardy)
        bus.subscribe(SlaBreached, self._on_breach)
        bus.subscribe(CancellationDecided, self._on_cancellation)
        bus.subscribe(AmendmentDecided, self._on_amendment)
        bus.subscribe(ApprovalDecided, self._on_approval)

    def order_submitted(self, order: ProductOrder, now: float) -> None:
        """After the ledger has the order's row."""
        if len(order.items) > 1 and order.order_type == "provide":
            self.bulk[order.id] = BulkRecord(len(self.ledger) - 1, order)

    def _on_state(self, event: StateChanged) -> None:
        if event.entity != "productOrderItem" or event.new not in TERMINAL:
            return
        order_id, _, item_id = event.id.partition("/")
        record = self.bulk.get(order_id)
        if record is not None:
            if event.new == "completed":
                record.done_sites += 1
            else:
                record.failed_sites.append(record.places.get(item_id, item_id))

    def _on_jeopardy(self, event: JeopardyRaised) -> None:
        self.ledger.flag(event.order_id, JEOPARDY)

    def _on_breach(self, event: SlaBreached) -> None:
        self.ledger.flag(event.order_id, BREACHED)

    def _on_cancellation(self, event: CancellationDecided) -> None:
        self.cancellations["requested"] += 1
        if event.accepted:
            self.cancellations["accepted"] += 1
        else:
            self.cancellations["refused"] += 1
            self.refusals[_refusal_kind(event.refusal)] += 1

    def _on_amendment(self, event: AmendmentDecided) -> None:
        self.amendments["requested"] += 1
        self.amendments["applied" if event.applied else "refused"] += 1

    def _on_approval(self, event: ApprovalDecided) -> None:
        self.approvals["decided"] += 1
        self.approvals["approved" if event.approved else "rejected"] += 1
        self._approval_waits_s.append(event.waited_s)

    @classmethod
    def merged(cls, parts: Sequence[LifecycleMetrics], ledger: OrderLedger
               ) -> LifecycleMetrics:
        """The figures of the regions' runs ``parts`` as one run's, reading the merged
        ``ledger`` (:meth:`sim.measure.ledger.OrderLedger.merged`). Bulk orders are not
        merged: a partitioned scenario has none (:mod:`sim.scenario.partition`)."""
        assert not any(p.bulk for p in parts), "bulk orders span regions"
        first = parts[0]
        out = cls.__new__(cls)  # no bus to listen to: filled from the parts
        out.catalog, out.warmup_s = first.catalog, first.warmup_s
        out.jeopardy_share, out.ledger, out.bulk = first.jeopardy_share, ledger, {}
        for name in ("cancellations", "refusals", "amendments", "approvals"):
            total: Counter[str] = Counter()
            for part in parts:
                total.update(getattr(part, name))  # adds the counts, keys in first-met order
            setattr(out, name, total)
        out._approval_waits_s = array("d", [w for p in parts for w in p._approval_waits_s])
        return out

    # -- the report ---------------------------------------------------------------------
    def report(self, c: Columns | None = None) -> dict[str, Any]:
        """The lifecycle keys of the report (``c``: the ledger's columns, if read)."""
        c = self.ledger.columns() if c is None else c
        cohort = c.submitted_s >= self.warmup_s
        waits = np.array(self._approval_waits_s) / HOUR_S
        return {
            "order_types": self._by_type(c, cohort),
            "sla": {"jeopardy_share": self.jeopardy_share,
                    "by_offering": self._sla(c, cohort)},
            "segments": self._segments(c, cohort),
            "bulk_orders": self._bulk(c),
            "cancellations": {
                "requested": self.cancellations["requested"],
                "accepted": self.cancellations["accepted"],
                "refused": self.cancellations["refused"],
                "refusals": dict(sorted(self.refusals.items())),
            },
            "amendments": {key: self.amendments[key]
                           for key in ("requested", "applied", "refused")},
            "approvals": {
                "decided": self.approvals["decided"],
                "approved": self.approvals["approved"],
                "rejected": self.approvals["rejected"],
                "wait_hours_mean": _r(float(waits.mean())) if waits.size else 0.0,
            },
        }

    def _by_type(self, c: Columns, cohort: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, code in self.ledger.order_types.present(c.order_type):
            mine = c.order_type == code
            states = np.bincount(c.state[mine], minlength=len(STATES)).tolist()
            out[kind] = {
                "submitted": int(mine.sum()),
                **{s.value: states[STATES.index(s.value)] for s in sorted(TERMINAL)},
                "in_flight": states[STATES.index(OPEN)],
                "cycle_time_hours": _cycle(c, cohort & mine),
            }
        return out

    def _offering(self, name: str) -> Any:
        """The catalog's offering of that name ("": an order without items)."""
        return self.catalog.offering(name) if name else None

    def _sla(self, c: Columns, cohort: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        types = self.ledger.order_types
        delivery = np.isin(c.order_type, [code for name, code in types.present(c.order_type)
                                          if name in _DELIVERY])
        took_s = c.ended_s - c.submitted_s
        for name, code in self.ledger.offerings.present(c.offering):
            offering = self._offering(name)
            sla_s = offering.sla_s if offering else 0.0
            mine = c.offering == code
            delivered = cohort & mine & delivery & c.completed
            count = int(delivered.sum())
            on_time = int((took_s[delivered] <= sla_s).sum())
            out[name] = {
                "sla_days": _r(sla_s / DAY_S),
                "delivered": count,
                "on_time": on_time,
                "attainment": _r(on_time / count) if count else None,
                "jeopardy": int((c.flags[mine] & JEOPARDY != 0).sum()),
                "breached": int((c.flags[mine] & BREACHED != 0).sum()),
            }
        return out

    def _segments(self, c: Columns, cohort: np.ndarray) -> dict[str, Any]:
        # Each offering's segment (the first item's), and the offerings of each segment.
        segments: dict[str, list[int]] = {}
        for name, code in self.ledger.offerings.present(c.offering[cohort]):
            offering = self._offering(name)
            segments.setdefault(offering.segment if offering else "unknown", []).append(code)
        return {segment: _cycle(c, cohort & np.isin(c.offering, codes))
                for segment, codes in sorted(segments.items())}

    def _bulk(self, c: Columns) -> list[dict[str, Any]]:
        """Every provide order of several sites, with its sites' outcomes (cycle time
        when it ended completed or partial)."""
        out = []
        for order_id, r in self.bulk.items():
            state = STATES[c.state[r.row]]
            submitted_s, ended_s = float(c.submitted_s[r.row]), float(c.ended_s[r.row])
            done = state in ("completed", "partial")
            out.append({
                "id": order_id, "offering": r.offering, "sites": len(r.places),
                "state": state if state in TERMINAL else "in_flight",
                "completed_sites": r.done_sites,
                "failed_sites": len(r.failed_sites), "failed_site_places": r.failed_sites,
                "open_sites": len(r.places) - r.done_sites - len(r.failed_sites),
                "submitted_day": _r(submitted_s / DAY_S),
                "cycle_time_hours": _r((ended_s - submitted_s) / HOUR_S) if done else None,
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


def _cycle(c: Columns, orders: np.ndarray) -> dict[str, Any]:
    hours = ((c.ended_s - c.submitted_s) / HOUR_S)[orders & c.completed]
    if hours.size == 0:
        return {"n": 0, "mean": 0.0, "p50": 0.0, "p90": 0.0}
    p50, p90 = np.percentile(hours, [50, 90])
    return {"n": int(hours.size), "mean": _r(hours.mean()), "p50": _r(p50), "p90": _r(p90)}
