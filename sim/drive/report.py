"""The report of one drive replication: ``omsim run``'s report shape for what can be
seen from outside, and what only drive sees (the wire, the hub, the polls, the drain).

What ``omsim run`` reports at the end of its run, drive reports at the end of the
traffic window, from what it had seen by then: orders by state (``in_flight`` those
not ended), throughput, cycle time of the orders submitted after the warm-up that
completed within the window, flow-through, fallout (an order that ended failed,
partial or rejected) by state, by cause where the target says why, and by offering;
order types, segments, SLA attainment, bulk orders, cancellations and amendments, the
timeline. So the same thresholds and the same baseline comparison judge both. A cycle
time runs from the target's acknowledgement of the order to the change that ended it
(:mod:`sim.drive.book` says how that moment is dated).

Then what the drain added: every order's state at its end, the open ones with their
ages, and a Kaplan-Meier cycle time that counts the open orders as censored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from sim.drive.book import TERMINAL, SentOrder
from sim.measure.distribution import histogram, percentiles
from sim.measure.sojourn import censored_hours, littles_law
from sim.scenario.schema import Scenario
from sim.tmf622.causes import cause
from sim.units import DAY_S, HOUR_S

FALLOUT = ("failed", "partial", "rejected")
_DELIVERY = ("provide", "move")
_STATES = ("completed", "failed", "partial", "cancelled", "rejected")


def r6(x: float) -> float:
    return round(float(x), 6)


class Window:
    """The orders of one replication as they stood at the end of the traffic window
    (scenario second ``end_s``); ``cohort`` those submitted after the warm-up."""

    def __init__(self, orders: Sequence[SentOrder], warmup_s: float, end_s: float) -> None:
        self.orders = [o for o in orders if o.id]
        self.warmup_s = warmup_s
        self.end_s = end_s
        self.state = {o.n: o.state_at(end_s) for o in self.orders}
        self.cohort = [o for o in self.orders if o.sent_s >= warmup_s]

    def ended_at(self, order: SentOrder) -> float:
        """When ``order`` reached the state it was in at the end (scenario seconds)."""
        return order.seen[self.state[order.n]].happened_s

    def completed_hours(self, orders: Iterable[SentOrder]) -> np.ndarray:
        return np.array([o.cycle_s("completed") / HOUR_S for o in orders
                         if self.state[o.n] == "completed"])

    def fell_out(self, order: SentOrder) -> bool:
        return self.state[order.n] in FALLOUT


def window_sections(scenario: Scenario, window: Window,
                    in_system: Sequence[tuple[float, int]]) -> dict[str, Any]:
    """The keys an ``omsim run`` report has, as seen from outside (``in_system``: the
    hourly samples of orders open, as (scenario second, orders))."""
    cohort = window.cohort
    hours = window.completed_hours(cohort)
    states = Counter(window.state.values())
    measured_days = (window.end_s - window.warmup_s) / DAY_S
    completed = sum(1 for o in window.orders if window.state[o.n] == "completed"
                    and window.ended_at(o) >= window.warmup_s)
    return {
        "orders": {"submitted": len(window.orders),
                   **{s: states[s] for s in _STATES},
                   "in_flight": sum(1 for s in window.state.values() if s not in TERMINAL),
                   "measured": len(cohort)},
        "throughput": {"completed_per_day": r6(completed / measured_days)},
        "cycle_time_hours": percentiles(hours),
        "cycle_time_hours_censored": censored_cycle_time(window, window.end_s,
                                                         lambda o: window.state[o.n]),
        "cycle_time_histogram": histogram(hours),
        "flow_through_rate": r6(sum(window.state[o.n] == "completed" for o in cohort)
                                / len(cohort)) if cohort else 0.0,
        "fallout": fallout(window),
        "order_types": order_types(window),
        "segments": _grouped(window, lambda o: _segment(scenario, o)),
        "sla": {"by_offering": sla(scenario, window)},
        "in_system": in_system_section(window, in_system),
        "timeline": timeline(window, in_system),
    }


def in_system_section(window: Window, in_system: Sequence[tuple[float, int]]
                      ) -> dict[str, float]:
    """Little's law on every order the target acknowledged, however it ended, as in
    ``omsim run``'s ``in_system``: an order is in the system from its acknowledgement
    (where its cycle time starts) to the change that ended it, if it ended within the
    window; L (``orders_mean``) is exact from those times, X (``ended_per_day``) and W
    (``hours_mean``) are of the orders that ended after the warm-up. ``orders_peak`` is
    the most at an hourly sample (``in_system``), which counts POSTs not yet answered."""
    spans: list[tuple[float, float | None]] = []
    for o in window.orders:
        ended = window.state[o.n] in TERMINAL
        spans.append((o.acked_s, max(o.acked_s, window.ended_at(o)) if ended else None))
    law = littles_law(spans, window.warmup_s, window.end_s)
    peak = max((n for t, n in in_system if t >= window.warmup_s), default=0)
    return {"orders_mean": law["orders_mean"], "orders_peak": float(peak),
            "ended_per_day": law["ended_per_day"], "hours_mean": law["hours_mean"]}


def fallout(window: Window) -> dict[str, Any]:
    """Orders of the cohort that ended failed, partial or rejected within the window."""
    fallen = [o for o in window.cohort if window.fell_out(o)]
    by_offering: dict[str, Any] = {}
    for label in sorted({o.request.label for o in window.cohort}):
        mine = [o for o in window.cohort if o.request.label == label]
        fell = sum(window.fell_out(o) for o in mine)
        by_offering[label] = {"submitted": len(mine), "fallout": fell,
                              "rate": r6(fell / len(mine))}
    cohort = window.cohort
    return {
        "rate": r6(len(fallen) / len(cohort)) if cohort else 0.0,
        "orders": len(fallen),
        "by_state": dict(sorted(Counter(window.state[o.n] for o in fallen).items())),
        "by_cause": dict(sorted(Counter(cause(o.doc) for o in fallen).items())),
        "by_offering": by_offering,
    }


def order_types(window: Window) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in sorted({o.request.order_type for o in window.orders}):
        mine = [o for o in window.orders if o.request.order_type == kind]
        states = Counter(window.state[o.n] for o in mine)
        out[kind] = {"submitted": len(mine), **{s: states[s] for s in sorted(_STATES)},
                     "in_flight": sum(1 for o in mine if window.state[o.n] not in TERMINAL),
                     "cycle_time_hours": _cycle(window.completed_hours(
                         o for o in window.cohort if o.request.order_type == kind))}
    return out


def sla(scenario: Scenario, window: Window) -> dict[str, Any]:
    """Delivery orders (provide, move) of the cohort completed within their offering's
    ``sla_days`` (jeopardy is the target's own affair: not seen from outside)."""
    catalog = scenario.load_catalog()
    out: dict[str, Any] = {}
    for name in sorted({o.request.items[0].offering for o in window.orders}):
        offering = catalog.offering(name)
        sla_s = offering.sla_s if offering is not None else 0.0
        delivered = window.completed_hours(
            o for o in window.cohort if o.request.items[0].offering == name
            and o.request.order_type in _DELIVERY)
        on_time = int((delivered * HOUR_S <= sla_s).sum())
        out[name] = {"sla_days": r6(sla_s / DAY_S), "delivered": int(delivered.size),
                     "on_time": on_time,
                     "attainment": r6(on_time / delivered.size) if delivered.size else None}
    return out


def timeline(window: Window, in_system: Sequence[tuple[float, int]]) -> dict[str, Any]:
    """Per scenario day of the window: orders submitted, completed and fallen out, and
    the mean of the hourly samples of orders open (``orders_in_system``)."""
    days = max(1, int(np.ceil(window.end_s / DAY_S)))
    out: dict[str, Any] = {"submitted": [0] * days, "completed": [0] * days,
                           "fallout": [0] * days}
    for o in window.orders:
        out["submitted"][min(days - 1, int(o.sent_s // DAY_S))] += 1
        state = window.state[o.n]
        if state == "completed" or state in FALLOUT:
            day = min(days - 1, int(window.ended_at(o) // DAY_S))
            out["completed" if state == "completed" else "fallout"][day] += 1
    by_day: list[list[int]] = [[] for _ in range(days)]
    for t_s, n in in_system:
        by_day[min(days - 1, int(t_s // DAY_S))].append(n)
    out["orders_in_system"] = [r6(np.mean(levels)) if levels else 0.0 for levels in by_day]
    return out


def _grouped(window: Window, key: Callable[[SentOrder], str]) -> dict[str, Any]:
    groups = sorted({key(o) for o in window.cohort})
    return {g: _cycle(window.completed_hours(o for o in window.cohort if key(o) == g))
            for g in groups}


def _segment(scenario: Scenario, order: SentOrder) -> str:
    offering = scenario.load_catalog().offering(order.request.items[0].offering)
    return offering.segment if offering is not None else "unknown"


def _cycle(hours: np.ndarray) -> dict[str, Any]:
    if hours.size == 0:
        return {"n": 0, "mean": 0.0, "p50": 0.0, "p90": 0.0}
    p50, p90 = np.percentile(hours, [50, 90])
    return {"n": int(hours.size), "mean": r6(hours.mean()), "p50": r6(p50), "p90": r6(p90)}


# -- what only drive sees ----------------------------------------------------------------

def ms_percentiles(values: Sequence[float]) -> dict[str, Any]:
    """n, mean, p50, p95, p99 and max of milliseconds (rounded to 0.001 ms)."""
    if not values:
        return {"n": 0, "mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    a = np.asarray(values, dtype=float)
    p50, p95, p99 = np.percentile(a, [50, 95, 99])
    return {"n": int(a.size), "mean": round(float(a.mean()), 3), "p50": round(float(p50), 3),
            "p95": round(float(p95), 3), "p99": round(float(p99), 3),
            "max": round(float(a.max()), 3)}


def drain_section(window: Window, end_s: float, timeout_s: float, wall_s: float
                  ) -> dict[str, Any]:
    """Every order's state when drive stopped watching (scenario time ``end_s``), the
    open ones' ages, and the cohort's censored cycle time then."""
    orders = window.orders
    acked = [o for o in orders if o.id]
    still_open = [o for o in acked if not o.ended]
    ages = [max(0.0, end_s - o.acked_s) / HOUR_S for o in still_open]
    states = Counter(o.state for o in acked if o.ended)
    return {
        "timeout_s": timeout_s, "wall_seconds": round(wall_s, 3),
        "orders": {**{s: states[s] for s in _STATES}, "open": len(still_open)},
        "open_age_hours": {"mean": r6(np.mean(ages)) if ages else 0.0,
                           "p50": r6(np.median(ages)) if ages else 0.0,
                           "max": r6(max(ages)) if ages else 0.0},
        "open_orders": [{"id": o.id, "state": o.state, "age_hours": r6(age)}
                        for o, age in sorted(zip(still_open, ages, strict=True),
                                             key=lambda p: -p[1])[:100]],
        "cycle_time_hours_censored": censored_cycle_time(window, end_s, lambda o: o.state),
    }


def censored_cycle_time(window: Window, end_s: float,
                        state_of: Callable[[SentOrder], str]) -> dict[str, Any]:
    """Kaplan-Meier cycle time (hours) of the cohort as it stood at scenario time
    ``end_s`` (``state_of`` an order's state then): completed orders at their cycle
    time, orders still open at their age (censored); orders that ended otherwise never
    complete and are left out, as in ``cycle_time_hours``. Percentiles the curve never
    reaches are the longest time observed, named in ``lower_bounds``."""
    times, observed = [], []
    for o in window.cohort:
        state = state_of(o)
        if state == "completed":
            times.append(o.cycle_s("completed") / HOUR_S)
            observed.append(True)
        elif state not in TERMINAL:
            times.append(max(0.0, end_s - o.acked_s) / HOUR_S)
            observed.append(False)
    return censored_hours(times, observed)


def bulk_orders(window: Window, docs: Mapping[int, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every provide order of several sites as it stood at the end of the window (its
    sites' states from the last document seen by then, ``docs`` by order number)."""
    out = []
    for o in window.orders:
        request = o.request
        if request.order_type != "provide" or len(request.items) < 2:
            continue
        items = {str(i.get("id")): i for i in docs.get(o.n, {}).get("productOrderItem") or ()
                 if isinstance(i, dict)}
        sent = {i.id: i.place for i in request.items}
        item_states = {i: str(items.get(i, {}).get("state", "")) for i in sent}
        failed = [sent[i] for i, s in item_states.items() if s in ("failed", "cancelled")]
        done = sum(1 for s in item_states.values() if s == "completed")
        state = window.state[o.n]
        out.append({
            "id": o.id, "offering": request.items[0].offering, "sites": len(sent),
            "state": state if state in TERMINAL else "in_flight",
            "completed_sites": done, "failed_sites": len(failed),
            "failed_site_places": failed, "open_sites": len(sent) - done - len(failed),
            "submitted_day": r6(o.sent_s / DAY_S),
            "cycle_time_hours": r6(o.cycle_s(state) / HOUR_S)
            if state in ("completed", "partial") else None,
        })
    return out


def changes_in_flight(orders: Sequence[SentOrder]) -> dict[str, Any]:
    """Cancellations (accepted: the order ended cancelled; refused: the target said no,
    ``refusals`` by why it said, or the order ended otherwise, ``order_ended``) and
    amendments (PATCH answered 2xx or 4xx)."""
    asked = [o for o in orders if o.cancel]
    accepted = sum(1 for o in asked if o.state == "cancelled")
    refused = [o for o in asked if o.state != "cancelled" and (o.cancel == "refused"
                                                               or o.ended)]
    refusals = Counter(o.cancel_refusal or ("order_ended" if o.cancel != "refused"
                                            else "unspecified") for o in refused)
    amendments = [a for o in orders for a in o.amendments]
    return {
        "cancellations": {"requested": len(asked), "accepted": accepted,
                          "refused": len(refused), "refusals": dict(sorted(refusals.items())),
                          "undecided": len(asked) - accepted - len(refused)},
        "amendments": {"requested": len(amendments),
                       "applied": amendments.count("applied"),
                       "refused": amendments.count("refused")},
    }
