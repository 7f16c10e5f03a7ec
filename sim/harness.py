"""The harness: wires network model, emulated elements and order manager for one
replication of a scenario, runs it, and returns the report.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

import simpy

from network_model import generate_network
from om import Catalog, EventBus, OrderManager
from om.fallout import FalloutQueue, RetryPolicy
from sim.arrivals import Arrivals
from sim.faults import inject_faults
from sim.metrics import DAY_S, Metrics
from sim.network import EmulatedNetwork
from sim.rng import stream
from sim.scenario import Scenario


@dataclass
class Run:
    """Everything one replication built, for tests and tools that look inside."""

    env: simpy.Environment
    om: OrderManager
    emulated: EmulatedNetwork
    metrics: Metrics
    seed: int
    replication: int


@dataclass(frozen=True)
class RunReport:
    """The report of one replication: ``data`` is the JSON document."""

    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def to_json(self) -> str:
        return json.dumps(self.data, indent=2)


def build_run(scenario: Scenario, seed: int | None = None, replication: int = 0) -> Run:
    """Build (but do not run) one replication of ``scenario``."""
    seed = scenario.seed if seed is None else seed
    env = simpy.Environment()
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
    inject_faults(env, scenario.faults, network, emulated,
                  stream(seed, replication, "faults"), scenario._source)
    metrics = Metrics(env, om, network, emulated, scenario.duration_days * DAY_S,
                      scenario.warmup_days * DAY_S)
    Arrivals(env, om, network, scenario, seed, replication, metrics.order_submitted)
    return Run(env, om, emulated, metrics, seed, replication)


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


def run_scenario(scenario: Scenario, seed: int | None = None, replication: int = 0) -> RunReport:
    """Run one replication of ``scenario`` and return its report."""
    started = time.perf_counter()
    run = build_run(scenario, seed, replication)
    run.env.run(until=scenario.duration_days * DAY_S)
    return finish(run, scenario, time.perf_counter() - started)


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
    return RunReport(data)
