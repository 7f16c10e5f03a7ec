"""The harness: wires network model, emulated elements and order manager for one
replication of a scenario, runs it, and returns the report.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import simpy

from network_model import generate_network
from om import OrderManager
from sim.arrivals import Arrivals
from sim.metrics import DAY_S, Metrics
from sim.network import EmulatedNetwork
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
    om = OrderManager(env, catalog, network, emulated)
    metrics = Metrics(env, om, network, emulated, scenario.duration_days * DAY_S,
                      scenario.warmup_days * DAY_S)
    Arrivals(env, om, network, scenario, seed, replication, metrics.order_submitted)
    return Run(env, om, emulated, metrics, seed, replication)


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
