"""The harness: wires network model, emulated elements and order manager for one
replication of a scenario, runs it, and returns the report.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import simpy

from network_model import generate_network
from om import Catalog, EventBus, OrderManager
from om.approvals import ApproverPool
from om.fallout import FalloutQueue, RetryPolicy
from sim.arrivals import Arrivals
from sim.churn import Churn, drain
from sim.faults import inject_faults
from sim.impact import inventory_snapshot
from sim.metrics import DAY_S, Metrics
from sim.network import EmulatedNetwork
from sim.rng import stream
from sim.scenario import Scenario
from sim.trace import TraceRecorder


@dataclass
class Run:
    """Everything one replication built, for tests and tools that look inside."""

    env: simpy.Environment
    om: OrderManager
    emulated: EmulatedNetwork
    metrics: Metrics
    seed: int
    replication: int
    arrivals: Arrivals | None = None
    churn: Churn | None = None
    free_at_start: dict[str, int] | None = None
    trace: TraceRecorder | None = None


@dataclass(frozen=True)
class RunReport:
    """The report of one replication: ``data`` is the JSON document."""

    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


def build_run(scenario: Scenario, seed: int | None = None, replication: int = 0,
              env: simpy.Environment | None = None, arrivals: bool = True,
              trace: bool = False) -> Run:
    """Build (but do not run) one replication of ``scenario``.

    Live mode passes its own real-time ``env`` and, unless asked for background traffic,
    ``arrivals=False`` so that orders come only from the API. ``trace`` records every
    order's tree and state history for the report.
    """
    seed = scenario.seed if seed is None else seed
    env = simpy.Environment() if env is None else env
    catalog = scenario.load_catalog()
    # The network is design data: the same for every replication of a seed.
    network = generate_network(scenario.network, seed, scenario.workforce)
    emulated = EmulatedNetwork(env, network, catalog, scenario, seed, replication)
    bus = EventBus()
    om = OrderManager(env, catalog, network, emulated, bus,
                      policies=retry_policies(scenario, catalog),
                      fallout_queue=fallout_queue(env, bus, scenario, seed, replication),
                      rng=stream(seed, replication, "rom:backoff"),
                      on_item_failure=scenario.order_management.on_item_failure)
    om.com.jeopardy.share = scenario.jeopardy_share
    if scenario.approvals is not None:
        om.com.approvers = approver_pool(env, bus, scenario, seed, replication)
    inject_faults(env, scenario.faults, network, emulated,
                  stream(seed, replication, "faults"), scenario._source)
    metrics = Metrics(env, om, network, emulated, scenario.duration_days * DAY_S,
                      scenario.warmup_days * DAY_S)
    recorder = TraceRecorder(bus) if trace else None
    on_submit = metrics.order_submitted
    if recorder is not None:
        def on_submit(order: Any, label: str) -> None:
            metrics.order_submitted(order, label)
            recorder.track(order)
    sources = None
    if arrivals:
        sources = Arrivals(env, om, network, scenario, seed, replication, on_submit)
    churn = Churn(env, om, scenario, stream(seed, replication, "churn"), on_submit)
    run = Run(env, om, emulated, metrics, seed, replication, sources, churn,
              trace=recorder)
    run.free_at_start = {p.name: p.free for p in network.all_pools()}
    return run


def retry_policies(scenario: Scenario, catalog: Catalog) -> dict[str, RetryPolicy]:
    """ROM's policy per element kind, from the scenario (one try each if retries are off).
    Install visits have no timeout: a no-show is retried by booking a new appointment."""
    if not scenario.order_management.retries:
        return {}
    policies = {}
    for kind in catalog.element_kinds():
        if kind == "workforce":
            policies[kind] = RetryPolicy(attempts=1 + scenario.workforce.reschedules,
                                         timeout_s=math.inf, backoff_s=0)
        else:
            r = scenario.element_settings(kind).retry
            policies[kind] = RetryPolicy(r.attempts, r.timeout_s, r.backoff_s,
                                         r.backoff_factor, r.jitter)
    return policies


def approver_pool(env: simpy.Environment, bus: EventBus, scenario: Scenario, seed: int,
                  replication: int) -> ApproverPool:
    """The approvers of the scenario, who decide orders matching a catalog rule."""
    settings = scenario.approvals
    assert settings is not None
    rng = stream(seed, replication, "approvals")
    response_h = settings.response_hours.sampler(rng)
    return ApproverPool(env, bus, settings.approvers, lambda: 3600.0 * response_h(),
                        settings.rejection_rate, rng)


def fallout_queue(env: simpy.Environment, bus: EventBus, scenario: Scenario, seed: int,
                  replication: int) -> FalloutQueue | None:
    """The operations team of the scenario, or None when the fallout queue is off."""
    ops = scenario.order_management.operations
    if not ops.enabled:
        return None
    rng = stream(seed, replication, "operations")
    handling_min = ops.handling_min.sampler(rng)
    return FalloutQueue(env, bus, ops.staff, lambda: 60.0 * handling_min(), ops.fix_success,
                        rng)


def events_processed(env: simpy.Environment) -> int:
    # SimPy numbers every scheduled event (Environment._eid); those still queued at the
    # end were scheduled but not processed.
    return next(env._eid) - len(env._queue)  # type: ignore[attr-defined]


@contextmanager
def collector_for_simulation(bounded: bool = False) -> Iterator[None]:
    """Python's cyclic garbage collector tuned for a long simulation, restored after.

    A run keeps hundreds of thousands of objects alive (open orders, inventories,
    metrics records). With the default thresholds the collector walked all of them over
    and over and took about half the time of a large run (``benchmarks/``). What was
    built before the run (network, catalog, elements) is frozen out of collection, and
    collections are rarer: nearly all garbage is freed by reference counting, and the
    few reference cycles of finished orders die young. Peak memory is unchanged.

    ``bounded``: the run ends (a batch run, not the live service), so automatic
    collection is off until it does. Even rare young collections still cost a fifth of
    a 100 k-order run, each chasing pointers through hundreds of MB of live orders,
    while a run leaves little cyclic garbage for them to find (measured: about 1.7
    objects per order with cancellations, almost none without), freed afterwards.
    """
    gc.freeze()
    thresholds = gc.get_threshold()
    was_enabled = gc.isenabled()
    gc.set_threshold(100_000, 50, 100)
    if bounded:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_scenario(scenario: Scenario, seed: int | None = None, replication: int = 0,
                 trace: bool = False) -> RunReport:
    """Run one replication of ``scenario`` and return its report (with ``trace`` and
    ``inventory`` keys when ``trace`` is asked for)."""
    started = time.perf_counter()
    run = build_run(scenario, seed, replication, trace=trace)
    with collector_for_simulation(bounded=True):
        run.env.run(until=scenario.duration_days * DAY_S)
    report = finish(run, scenario, time.perf_counter() - started)
    if scenario.churn.cease_all_at_end:
        report.data["drain"] = drain_and_check(run)
    return report


def drain_and_check(run: Run) -> dict[str, Any]:
    """Cease every customer after the run and check that every pool is back to its
    starting free count (less the slots reconciled as used by the network) and that
    elements hold nothing but that drift."""
    if run.arrivals is not None:
        run.arrivals.stopped = True
    assert run.churn is not None and run.free_at_start is not None
    result = drain(run.env, run.churn, lambda: run.metrics.in_system)
    reconciled: dict[str, int] = {}
    for r in run.om.resources.reconciled():
        reconciled[r.pool.name] = reconciled.get(r.pool.name, 0) + 1
    not_back = sorted(
        pool.name for pool in run.om.network.all_pools()
        if pool.free + reconciled.get(pool.name, 0) != run.free_at_start[pool.name]
        and pool.limit == pool.capacity)
    stale = sum(1 for e in run.emulated.elements.values()
                for owner in e.configured.values() if owner != "drift")
    result.update({"pools_not_back": len(not_back), "pools_not_back_examples": not_back[:5],
                   "resources_held": len(run.om.resources)
                   - sum(reconciled.values()), "element_config_left": stale})
    return result


def finish(run: Run, scenario: Scenario, wall_seconds: float) -> RunReport:
    """The report of a run that has been simulated to its end."""
    body = run.metrics.report()
    data: dict[str, Any] = {
        "scenario": scenario.name,
        "seed": run.seed,
        "replication": run.replication,
        "sim": {
            "duration_days": scenario.duration_days,
            "warmup_days": scenario.warmup_days,
            "events": events_processed(run.env),
            "wall_seconds": round(wall_seconds, 3),
        },
        **body,
    }
    if run.trace is not None:
        data["trace"] = run.trace.report()
        data["inventory"] = inventory_snapshot(run.om, run.om.network)
    return RunReport(data)
