"""What the dashboard and ``/metrics`` show of a live run: counts kept from the run's
events, the network's figures read now, and a short history sampled once a wall second.

:class:`LiveFigures` listens on the run's bus (in the clock thread, replay included, so a
restart counts again what the command log rebuilds): product orders submitted, by state,
ended by state and order type, cycle times of the completed ones (a histogram in
simulated seconds and the last :data:`RECENT` for percentiles), and fallout by cause and
layer (every item that fell out). :func:`gauges` reads what is true now: slots in use
per pool kind and the fullest PON ports and BNGs, technicians on a visit, installs
waiting for one, items in the fallout work queue. Both are read from the API's threads:
each read copies a dict or takes a length, which the GIL makes whole.

:class:`History` keeps up to :data:`POINTS` samples, one a wall second while the clock
is live (``seq`` numbers them, so that a reader asks only for what is new).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from network_model import PoolKind
from om import FalloutRaised, ProductOrder, StateChanged
from om.orders import TERMINAL
from sim.dashboard.gauges import fullest
from sim.run.harness import Run
from sim.units import DAY_S, HOUR_S

RECENT = 500  # completed orders behind the cycle-time percentiles
POINTS = 600  # samples kept: ten minutes at one a second
SAMPLE_WALL_S = 1.0
WORST = 5  # PON ports and BNGs listed, the fullest first
# Cycle-time histogram buckets (simulated seconds): 15 min to 4 weeks.
CYCLE_BUCKETS_S = (900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 43200.0, 86400.0,
                   172800.0, 259200.0, 432000.0, 604800.0, 1209600.0, 2419200.0)


class CycleTimes:
    """Cycle times of completed orders: cumulative buckets (``le`` each bound), their sum
    and count, and the last :data:`RECENT` for percentiles."""

    def __init__(self) -> None:
        self.buckets = [0] * (len(CYCLE_BUCKETS_S) + 1)  # the last: above every bound
        self.sum_s = 0.0
        self.count = 0
        self.recent: deque[float] = deque(maxlen=RECENT)

    def add(self, seconds: float) -> None:
        self.buckets[bisect_left(CYCLE_BUCKETS_S, seconds)] += 1
        self.sum_s += seconds
        self.count += 1
        self.recent.append(seconds)

    def percentiles_h(self) -> dict[str, float | None]:
        """p50, p90 and p99 of the recent ones, in hours (None before any)."""
        values = sorted(list(self.recent))
        if not values:
            return {"p50": None, "p90": None, "p99": None}
        pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
        return {f"p{round(q * 100)}": round(pick(q) / HOUR_S, 3) for q in (0.5, 0.9, 0.99)}


class LiveFigures:
    """Counts of one live run, from its bus. ``order_of(id)`` finds a product order just
    created (for its order type)."""

    def __init__(self, run: Run, order_of: Callable[[str], ProductOrder | None]) -> None:
        self.run = run
        self._order_of = order_of
        self.submitted = 0
        self.by_state: Counter[str] = Counter()  # every product order, by its state now
        self.ended: Counter[tuple[str, str]] = Counter()  # (state, order type)
        self.fallout: Counter[tuple[str, str]] = Counter()  # (cause, layer), items
        self.cycle = CycleTimes()
        self._open: dict[str, tuple[str, float]] = {}  # order id -> (type, submitted_s)
        run.om.bus.subscribe(StateChanged, self._on_state)
        run.om.bus.subscribe(FalloutRaised, self._on_fallout)

    def _on_state(self, event: StateChanged) -> None:
        if event.entity != "productOrder":
            return
        if not event.old:
            order = self._order_of(event.id)
            self._open[event.id] = (order.order_type if order is not None else "unknown",
                                    event.at_s)
            self.submitted += 1
        else:
            self.by_state[event.old] -= 1
        self.by_state[event.new] += 1
        if event.new in TERMINAL:
            order_type, submitted_s = self._open.pop(event.id, ("unknown", event.at_s))
            self.ended[(event.new, order_type)] += 1
            if event.new == "completed":
                self.cycle.add(event.at_s - submitted_s)

    def _on_fallout(self, event: FalloutRaised) -> None:
        self.fallout[(event.cause, event.layer)] += 1

    @property
    def in_flight(self) -> int:
        return self.submitted - sum(self.ended.values())

    def fallout_by(self, index: int) -> dict[str, int]:
        """Fallout by cause (0) or by layer (1)."""
        out: Counter[str] = Counter()
        for key, n in dict(self.fallout).items():
            out[key[index]] += n
        return dict(sorted(out.items()))


def gauges(run: Run) -> dict[str, Any]:
    """What is true of the network now: pools, the fullest ports and BNGs, the workforce
    and the fallout work queue."""
    network, metrics = run.om.network, run.metrics
    in_use = dict(run.om.resources.in_use_by_kind)
    pools = {kind.value: {"capacity": metrics.capacity.get(kind, 0),
                          "inUse": in_use.get(kind, 0)} for kind in PoolKind}
    workforce = metrics.workforce
    return {"pools": pools, **fullest(network, WORST),
            "workforce": {"technicians": workforce.technicians, "busy": workforce.busy_now,
                          "installBacklog": workforce.backlog},
            "falloutQueue": metrics.fallout_backlog}


class History:
    """Samples of a live run, one a wall second, for the dashboard's charts."""

    def __init__(self, figures: LiveFigures) -> None:
        self.figures = figures
        self.points: deque[dict[str, Any]] = deque(maxlen=POINTS)
        self.seq = 0
        self._next_wall = 0.0
        self._last: tuple[float, int, int, int] | None = None  # t, submitted, done, fallout

    def maybe_sample(self, now_s: float) -> None:
        """Sample if a wall second went by since the last sample (clock thread)."""
        wall = time.monotonic()
        if wall >= self._next_wall:
            self._next_wall = wall + SAMPLE_WALL_S
            self.sample(now_s)

    def sample(self, now_s: float) -> None:
        f = self.figures
        completed = sum(n for (state, _), n in f.ended.items() if state == "completed")
        fallout = sum(f.fallout.values())
        last = self._last or (0.0, 0, 0, 0)
        span_days = (now_s - last[0]) / DAY_S
        rate = (lambda now, before: round((now - before) / span_days, 3)  # noqa: E731
                if span_days > 0 else 0.0)
        g = gauges(f.run)
        self.seq += 1
        self.points.append({
            "seq": self.seq, "t": round(now_s, 3),
            "submittedPerDay": rate(f.submitted, last[1]),
            "completedPerDay": rate(completed, last[2]),
            "falloutPerDay": rate(fallout, last[3]),
            "inFlight": f.in_flight, "byState": dict(f.by_state),
            "falloutByCause": f.fallout_by(0), "falloutByLayer": f.fallout_by(1),
            "cycleHours": f.cycle.percentiles_h(),
            "utilisation": {k: round(100 * p["inUse"] / p["capacity"], 3) if p["capacity"]
                            else 0.0 for k, p in g["pools"].items()},
            "workforceBusy": round(100 * g["workforce"]["busy"]
                                   / max(1, g["workforce"]["technicians"]), 3),
            "installBacklog": g["workforce"]["installBacklog"],
            "falloutQueue": g["falloutQueue"]})
        self._last = (now_s, f.submitted, completed, fallout)

    def since(self, seq: int) -> list[dict[str, Any]]:
        """The samples after ``seq`` (all of them for 0)."""
        return [p for p in list(self.points) if p["seq"] > seq]
