"""Metrics: subscribes to the order manager's events and builds the run report.

Counting is per product order. Orders submitted before the warm-up ends count for
conservation (``orders``) but not for the time-based statistics (cycle time, fallout,
flow-through), which cover the cohort submitted after it; throughput counts the
completions after it, whenever submitted. Little's law's L, X and W (``in_system``)
cover every order in the system after the warm-up, and the censored cycle times and
the ages of the orders still open come from :mod:`sim.measure.sojourn`.

What the report needs of each order is a row of the order ledger
(:mod:`sim.measure.ledger`), not the order, nor an object per order: a run of millions
of orders keeps its figures exactly at about 40 bytes an order.

Everything that changes during a run arrives as an event: order states, fallout, manual
touches, items queued for operations, retries (:mod:`om.events`) and the workforce's
visits (:mod:`sim.elements.events`, counted by :mod:`sim.measure.workforce`). Metrics
read no crew, technician or order-manager internals; only the network's design (pool
capacities, the roster) and, hourly and at the end, the inventories the order manager
publishes (slots in use, products, resource records).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import simpy

from network_model import Network, PoolKind
from om import FalloutRaised, OrderManager, ProductOrder, StateChanged
from om.events import FalloutQueued, ManualTouch, RetryMade
from om.orders import TERMINAL
from sim.measure.distribution import histogram, percentiles
from sim.measure.ledger import OPEN, STATES, Codes, Columns, OrderLedger
from sim.measure.lifecycle import LifecycleMetrics
from sim.measure.rounding import r6 as _r
from sim.measure.sojourn import censored_cycle_time, in_system, open_orders
from sim.measure.workforce import WorkforceFigures
from sim.units import DAY_S, HOUR_S

SAMPLE_EVERY_S = HOUR_S
_LAYER_ENTITIES = {"productOrder": "product_orders", "serviceOrder": "service_orders",
                   "resourceOrder": "resource_orders"}


class Metrics:
    """Collects one run's figures from events and periodic samples."""

    def __init__(self, env: simpy.Environment, om: OrderManager, network: Network,
                 duration_s: float, warmup_s: float, jeopardy_share: float) -> None:
        self.env = env
        self.om = om
        self.duration_s = duration_s
        self.warmup_s = warmup_s
        self.orders = OrderLedger()  # one row per product order submitted
        self.layer_states: dict[str, Counter[str]] = {v: Counter()
                                                      for v in _LAYER_ENTITIES.values()}
        self.samples: list[dict[str, float]] = []
        self.in_system = 0  # product orders submitted and not yet terminal
        self.fallout_backlog = 0  # items queued for operations or being worked now
        self.retries = 0
        self._retries_at_warmup = 0  # so that retries cover the measured period only
        self.capacity = {kind: sum(p.capacity for p in pools)
                         for kind, pools in network.pools_by_kind().items()}
        bus = om.bus
        # Only the moves it counts: a move nobody wants is not even built (om.events).
        bus.subscribe_states(self._on_state, entities=_LAYER_ENTITIES,
                             states=(s.value for s in TERMINAL))
        bus.subscribe(FalloutRaised, self._on_fallout)
        bus.subscribe(FalloutQueued, self._on_fallout_queued)
        bus.subscribe(ManualTouch, self._on_manual_touch)
        bus.subscribe(RetryMade, self._on_retry)
        self.lifecycle = LifecycleMetrics(bus, om.catalog, warmup_s, jeopardy_share,
                                          self.orders)
        self.workforce = WorkforceFigures(bus, network, duration_s, warmup_s)
        # Items worked by operations that were queued after the warm-up: time in the
        # queue of each, and how many were fixed.
        self._touch_s = array("d")
        self._touches_fixed = 0
        # Whether the run has an operations team (its backlog is then sampled).
        self._has_operations = om.fallout_queue is not None
        # What the report reads of the order manager at the end, once detached from it.
        self._at_end: tuple[dict[str, int], dict[PoolKind, int]] | None = None
        env.process(self._sample())
        if warmup_s > 0:
            env.process(self._mark_warmup_end())

    # -- event handlers (hot path: keep them small) --------------------------------------
    def order_submitted(self, order: ProductOrder, offering: str) -> None:
        """``offering``: how the report groups the order (its label)."""
        first = order.items[0].offering if order.items else ""
        self.orders.add(order.id, offering, order.order_type, first, self.env.now)
        self.in_system += 1
        self.lifecycle.order_submitted(order, self.env.now)

    def _on_state(self, event: StateChanged) -> None:
        layer = _LAYER_ENTITIES.get(event.entity)
        if layer is None or event.new not in TERMINAL:
            return
        self.layer_states[layer][event.new] += 1
        if layer == "product_orders" and self.orders.end(event.id, event.new, event.at_s):
            self.in_system -= 1

    def _on_fallout(self, event: FalloutRaised) -> None:
        self.orders.fell_out(event.order_id, event.cause, event.layer, event.at_s)

    def _on_fallout_queued(self, event: FalloutQueued) -> None:
        self.fallout_backlog += 1
        self.orders.queued(event.order_id)

    def _on_manual_touch(self, event: ManualTouch) -> None:
        self.fallout_backlog -= 1
        if event.queued_s >= self.warmup_s:
            self._touch_s.append(event.in_queue_s)
            self._touches_fixed += event.fixed
        self.orders.touched(event.order_id)

    def _on_retry(self, event: RetryMade) -> None:
        self.retries += 1

    def _sample(self) -> Generator[simpy.Event, Any, None]:
        in_use = self.om.resources.in_use_by_kind
        workforce = self.workforce
        while True:
            sample = {kind.value: float(in_use[kind]) for kind in PoolKind}
            sample["t_days"] = self.env.now / DAY_S
            sample["technicians_busy"] = float(workforce.busy_now)
            sample["install_backlog"] = float(workforce.backlog)
            sample["orders_in_system"] = float(self.in_system)
            if self._has_operations:
                sample["fallout_backlog"] = float(self.fallout_backlog)
            self.samples.append(sample)
            yield self.env.timeout(SAMPLE_EVERY_S)

    def _mark_warmup_end(self) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(self.warmup_s)
        self.workforce.mark_warmup()
        self._retries_at_warmup = self.retries

    # -- regions run apart (sim.run.partition) -------------------------------------------
    def detach(self) -> None:
        """Keep what the report reads of the order manager at the end (the resource
        records, the slots in use) and let go of the run, its clock and its order
        manager: the figures then pickle, to be merged with other regions'."""
        self._at_end = (self._resources(), dict(self.om.resources.in_use_by_kind))
        self.env = self.om = None  # type: ignore[assignment]

    @classmethod
    def merged(cls, parts: Sequence[Metrics]) -> Metrics:
        """The figures of one run of every region, from the detached figures of each
        region's run (``parts``: of one scenario, seed and replication, each region run
        with only its own traffic). Counts add, the ledgers' rows merge in submission
        order, the hourly samples add up sample by sample, and :meth:`report` then
        computes every percentile, mean and histogram from the merged data, as for one
        run."""
        first = parts[0]
        out = cls.__new__(cls)  # no run to listen to: filled from the parts
        out.env = out.om = None  # type: ignore[assignment]
        out.duration_s, out.warmup_s = first.duration_s, first.warmup_s
        out.orders = OrderLedger.merged([p.orders for p in parts])
        out.layer_states = {layer: _added(p.layer_states[layer] for p in parts)
                            for layer in first.layer_states}
        out.samples = [{key: (value if key == "t_days" else sum(s[key] for s in at))
                        for key, value in at[0].items()}
                       for at in zip(*(p.samples for p in parts), strict=True)]
        for name in ("in_system", "fallout_backlog", "retries", "_retries_at_warmup",
                     "_touches_fixed"):
            setattr(out, name, sum(getattr(p, name) for p in parts))
        out.capacity = first.capacity
        out.lifecycle = LifecycleMetrics.merged([p.lifecycle for p in parts], out.orders)
        out.workforce = WorkforceFigures.merged([p.workforce for p in parts])
        out._touch_s = array("d", [t for p in parts for t in p._touch_s])
        out._has_operations = first._has_operations
        ends = [p._om_at_end() for p in parts]
        out._at_end = (dict(_added(Counter(r) for r, _ in ends)),
                       {kind: sum(in_use.get(kind, 0) for _, in_use in ends)
                        for kind in PoolKind})
        return out

    def _om_at_end(self) -> tuple[dict[str, int], dict[PoolKind, int]]:
        """The resource records (:meth:`_resources`) and slots in use by kind, now or as
        kept by :meth:`detach`."""
        if self._at_end is not None:
            return self._at_end
        return self._resources(), self.om.resources.in_use_by_kind

    # -- the report ---------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        c = self.orders.columns()
        cohort = c.submitted_s >= self.warmup_s
        cycle_h = ((c.ended_s - c.submitted_s) / HOUR_S)[cohort & c.completed]
        end_s = self.duration_s
        resources, in_use_end = self._om_at_end()
        return {
            "orders": _order_counts(c, cohort),
            "throughput": {"completed_per_day": self._completed_per_day(c)},
            "cycle_time_hours": percentiles(cycle_h),
            "cycle_time_hours_censored": censored_cycle_time(
                c.submitted_s[cohort], c.ended_s[cohort], c.completed[cohort], end_s),
            "cycle_time_histogram": histogram(cycle_h),
            "in_system": in_system(c.submitted_s, c.ended_s, self.warmup_s, end_s,
                                   self._in_system_peak()),
            "open_orders": open_orders(c.submitted_s, c.ended_s, self.warmup_s, end_s),
            "flow_through_rate": _flow_through_rate(c, cohort),
            "flow_through_rate_of_ended": _flow_through_rate(c, cohort & c.ended),
            "fallout": self._fallout(c, cohort),
            "manual_touches": int(c.touches[cohort].sum()),
            "fallout_queue": self._fallout_queue(),
            "retries": self.retries - self._retries_at_warmup,  # after warm-up
            "resources": resources,
            "layers": {layer: dict(sorted(c.items())) for layer, c in self.layer_states.items()},
            "utilisation": self._utilisation(in_use_end),
            "timeline": {**self._timeline(c), **self._daily_series()},
            **self.lifecycle.report(c),
        }

    def _completed_per_day(self, c: Columns) -> float:
        """Orders completed after the warm-up (whenever submitted), per measured day."""
        measured_days = (self.duration_s - self.warmup_s) / DAY_S
        completed = int((c.completed & (c.ended_s >= self.warmup_s)).sum())
        return _r(completed / measured_days)

    def _fallout(self, c: Columns, cohort: np.ndarray) -> dict[str, Any]:
        """Orders of the cohort with a fallout: the rate, and by cause, layer, offering."""
        fallen = cohort & (c.fallout_cause != 0)
        measured, orders = int(cohort.sum()), int(fallen.sum())
        ledger = self.orders
        return {
            "rate": _r(orders / measured) if measured else 0.0,
            "orders": orders,
            "by_cause": ledger.causes.counts(c.fallout_cause[fallen]),
            "by_layer": ledger.layers.counts(c.fallout_layer[fallen]),
            "by_offering": _fallout_by(ledger.labels, c.label, c, cohort),
            "by_order_type": _fallout_by(ledger.order_types, c.order_type, c, cohort),
        }

    def _utilisation(self, in_use_end: dict[PoolKind, int]) -> dict[str, Any]:
        pools: dict[str, Any] = {}
        measured = [s for s in self.samples if s["t_days"] * DAY_S >= self.warmup_s]
        for kind in PoolKind:
            capacity = self.capacity.get(kind, 0)
            levels = [s[kind.value] for s in measured] or [0.0]
            pools[kind.value] = {
                "capacity": capacity,
                "in_use_end": in_use_end.get(kind, 0),
                "mean": _r(float(np.mean(levels)) / capacity) if capacity else 0.0,
                "peak": _r(max(levels) / capacity) if capacity else 0.0,
            }
        pools["workforce"] = self.workforce.report()
        return pools

    def _timeline(self, c: Columns) -> dict[str, list[int]]:
        days = int(np.ceil(self.duration_s / DAY_S))

        def per_day(times_s: np.ndarray) -> list[int]:
            day = np.minimum(days - 1, (times_s // DAY_S).astype(np.int64))
            return np.bincount(day, minlength=days).tolist()

        return {"submitted": per_day(c.submitted_s),
                "completed": per_day(c.ended_s[c.completed]),
                "fallout": per_day(c.fallout_s[~np.isnan(c.fallout_s)])}


    def _in_system_peak(self) -> float:
        """The most product orders in the system at an hourly sample after the warm-up
        (their time-average, the L of Little's law, is exact: :mod:`sim.measure.sojourn`)."""
        return max([s["orders_in_system"] for s in self.samples
                    if s["t_days"] * DAY_S >= self.warmup_s] or [0.0])

    def _daily_series(self) -> dict[str, Any]:
        """Per simulated day, the mean of the hourly samples: share of each pool in use,
        share of technicians on a job during shift hours, backlogs. Compact enough for
        the report (one number per day), enough for the HTML plots over time."""
        days = int(np.ceil(self.duration_s / DAY_S))
        by_day: list[list[dict[str, float]]] = [[] for _ in range(days)]
        for s in self.samples:
            by_day[min(days - 1, int(s["t_days"]))].append(s)
        technicians = self.workforce.technicians
        start_h, end_h = self.workforce.shift_hours

        def daily(key: str, scale: float = 1.0, shift_only: bool = False) -> list[float]:
            out = []
            for day in by_day:
                values = [s[key] for s in day if key in s and (
                    not shift_only or start_h <= (s["t_days"] % 1.0) * 24.0 < end_h)]
                out.append(_r(float(np.mean(values)) / scale) if values and scale else 0.0)
            return out

        utilisation = {kind.value: daily(kind.value, float(self.capacity.get(kind, 0)))
                       for kind in PoolKind}
        utilisation["workforce"] = daily("technicians_busy", float(technicians), True)
        series: dict[str, Any] = {"utilisation": utilisation,
                                  "install_backlog": daily("install_backlog"),
                                  "orders_in_system": daily("orders_in_system")}
        if any("fallout_backlog" in s for s in self.samples):
            series["fallout_backlog"] = daily("fallout_backlog")
        return series


    def _fallout_queue(self) -> dict[str, Any]:
        """Items worked by operations after the warm-up: time in queue and fix rate."""
        hours = np.array(self._touch_s) / HOUR_S
        return {
            "items": hours.size,
            "fixed": self._touches_fixed,
            "hours_p50": _r(np.percentile(hours, 50)) if hours.size else 0.0,
            "hours_p90": _r(np.percentile(hours, 90)) if hours.size else 0.0,
            "backlog_end": self.fallout_backlog,
        }

    def _resources(self) -> dict[str, int]:
        """Resource records at the end. A record is leaked when it belongs neither to an
        active product nor to an order still in flight (must be 0)."""
        inventory = self.om.resources
        active = {p.order_item for p in self.om.products.products.values()
                  if p.status == "active"}
        leaked = 0
        for r in inventory.by_id.values():
            if r.status == "reconciled" or r.correlation_id in active:
                continue
            row = self.orders.row(r.correlation_id.split("/", 1)[0])
            if row is None or not self.orders.is_open(row):  # ended
                leaked += 1
        return {"in_use": len(inventory), "reconciled": len(inventory.reconciled()),
                "leaked": leaked}


def _added(counters: Any) -> Counter[str]:
    """The sum of ``counters`` (Counters), keys in the order first met."""
    out: Counter[str] = Counter()
    for counter in counters:
        out.update(counter)
    return out


def _order_counts(c: Columns, cohort: np.ndarray) -> dict[str, int]:
    """Every order by its state (conservation), and how many the statistics cover."""
    states = Counter(dict(zip(STATES, np.bincount(c.state, minlength=len(STATES)).tolist(),
                              strict=True)))
    return {
        "submitted": int(c.state.size),
        "completed": states["completed"],
        "failed": states["failed"],
        "partial": states["partial"],
        "cancelled": states["cancelled"],
        "rejected": states["rejected"],
        "in_flight": states[OPEN],
        "measured": int(cohort.sum()),
    }


def _fallout_by(names: Codes, codes: np.ndarray, c: Columns, cohort: np.ndarray
                ) -> dict[str, dict[str, Any]]:
    """Per name (offering, order type) of the orders: orders of the cohort, those with a
    fallout, and their share."""
    out: dict[str, dict[str, Any]] = {}
    fallen = c.fallout_cause != 0
    for name, code in names.present(codes[cohort]):
        mine = cohort & (codes == code)
        submitted, fell = int(mine.sum()), int((mine & fallen).sum())
        out[name] = {"submitted": submitted, "fallout": fell, "rate": _r(fell / submitted)}
    return out


def _flow_through_rate(c: Columns, orders: np.ndarray) -> float:
    """Share of ``orders`` completed with no fallout and no manual touch."""
    count = int(orders.sum())
    if not count:
        return 0.0
    clean = orders & c.completed & (c.fallout_cause == 0) & (c.touches == 0)
    return _r(int(clean.sum()) / count)
