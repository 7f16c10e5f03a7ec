"""What the benchmarks run: the reference scenario scaled to a number of orders, the
Erlang C technician scenario, and the reference models omsim is compared with (a bare
SimPy timeout loop, a bare SimPy M/M/c queue, Ciw's M/M/c).

Every workload returns plain figures (counts and wall seconds per phase) so the
benchmark files only time, record and compare. Nothing here asserts on speed.
"""

from __future__ import annotations

import gc
import math
import os
import random
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ciw
import simpy
import yaml

from sim.run.collector import collector_for_simulation
from sim.run.harness import build_run, events_processed, finish
from sim.scenario.load import scenario_from_dict
from sim.scenario.schema import Scenario
from sim.units import DAY_S

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"
ERLANG_C_CATALOG = HERE / "erlang_c_catalog.yaml"

# The reference topology (3 exchanges x 4 OLTs x 256 PON ports x 32 homes, 98,304
# addresses) comfortably serves this many orders; a run of more orders gets a
# proportionally larger network so that address, ONT and IP utilisation stay as in the
# reference run instead of turning into resource-exhaustion fallout.
ORDERS_PER_REFERENCE_TOPOLOGY = 60_000

# The M/M/c every queueing benchmark runs (rates per hour): 10 servers at utilisation 0.8.
MMC = {"arrival_rate": 8.0, "service_rate": 1.0, "servers": 10}


def env_int(name: str, default: int) -> int:
    """An integer knob from the environment (``OMSIM_BENCH_...``; ``1_000_000`` allowed)."""
    raw = os.environ.get(name, "").strip()
    return int(raw.replace("_", "")) if raw else default


MMC_CUSTOMERS = env_int("OMSIM_BENCH_MMC_CUSTOMERS", 50_000)

# Rounds of each timed benchmark (issue 15: at least 3; fewer only for a quick look).
ROUNDS = max(1, env_int("OMSIM_BENCH_ROUNDS", 3))

# Single-process figures are CPU seconds of this process by default: on a shared machine
# that is what one core gave the run, while wall time also counts everybody else's work
# (on an idle machine the two agree). OMSIM_BENCH_CLOCK=wall measures wall time instead.
CLOCK_NAME = "wall" if os.environ.get("OMSIM_BENCH_CLOCK", "cpu") == "wall" else "CPU"
clock = time.perf_counter if CLOCK_NAME == "wall" else time.process_time


def baseline_raw() -> dict[str, Any]:
    raw = yaml.safe_load(BASELINE.read_text())
    raw["catalog"] = str(REPO / "scenarios" / raw["catalog"])
    return raw


def scaled_scenario(orders: int, days: float = 30.0, seed: int = 42) -> Scenario:
    """The reference scenario (``scenarios/baseline.yaml``) scaled so that about
    ``orders`` product orders arrive in ``days`` simulated days."""
    return scenario_from_dict(scaled_raw(orders, days, seed),
                              f"{BASELINE} scaled to {orders} orders", REPO)


def scaled_raw(orders: int, days: float = 30.0, seed: int = 42) -> dict[str, Any]:
    """The scenario mapping of :func:`scaled_scenario`, before validation.

    Arrival rates and technicians grow with the order rate; exchanges, BNGs, IPv4 pools,
    BNG sessions and telephone numbers grow with the total number of orders, so pool
    utilisation, fallout mix and in-flight share stay those of the reference run.
    """
    raw = baseline_raw()
    base_rate = sum(a["rate_per_day"] for a in raw["arrivals"])
    rate_factor = orders / (base_rate * days)
    size_factor = max(1.0, orders / ORDERS_PER_REFERENCE_TOPOLOGY)
    net = raw["network"]
    exchanges = math.ceil(net["exchanges"] * size_factor)
    olts_per_exchange = net.get("olts_per_exchange", 3)
    if exchanges > 500:  # the schema's limit: put more OLTs in each exchange instead
        olts_per_exchange = math.ceil(olts_per_exchange * exchanges / 500)
        exchanges = 500
    bngs = min(64, math.ceil(net["bngs"] * size_factor))
    per_bng = 1.6 * orders / bngs  # sessions and IPv4 addresses each BNG may hand out
    prefix = min(net["ipv4_pool_prefix_length"], 32 - math.ceil(math.log2(per_bng + 3)))
    net.update(exchanges=exchanges, olts_per_exchange=olts_per_exchange, bngs=bngs,
               ipv4_pool_prefix_length=prefix,
               bng_session_capacity=max(net["bng_session_capacity"], math.ceil(per_bng)),
               unserviceable_addresses=math.ceil(net["unserviceable_addresses"] * size_factor),
               phone_numbers=max(10_000, math.ceil(orders * 0.1)),
               regions=min(exchanges, max(net["regions"], round(net["regions"] * rate_factor))))
    raw["workforce"]["technicians"] = max(1, round(raw["workforce"]["technicians"] * rate_factor))
    for arrival in raw["arrivals"]:
        arrival["rate_per_day"] *= rate_factor
    raw.update(name=f"baseline-{orders}", duration_days=days, warmup_days=days / 10, seed=seed)
    return raw


def churn_raw(orders: int, customers: int, days: float = 365.0, seed: int = 42
              ) -> dict[str, Any]:
    """The reference scenario's order mix with churn: new customers arrive at a steady
    rate and each stays an exponential holding time, so that about ``customers``
    products are live at once and about ``orders`` product orders (the provides and the
    ceases churn sends) arrive in ``days`` simulated days. The network is sized for the
    customers there are (one and a half times as many homes' worth of the reference
    topology), not for every customer there ever was.

    With provides at rate r a day and a mean holding time of h days (r*h = customers),
    about r*days provides and r*(days - h) ceases arrive: r = (orders + customers) /
    (2 * days)."""
    raw = scaled_raw(math.ceil(1.5 * customers), days, seed)
    base_rate = sum(a["rate_per_day"] for a in baseline_raw()["arrivals"])
    rate = (orders + customers) / (2 * days)
    factor = rate / sum(a["rate_per_day"] for a in raw["arrivals"])
    for arrival in raw["arrivals"]:
        arrival["rate_per_day"] *= factor
    regions = raw["network"]["regions"] = min(raw["network"]["exchanges"],
                                              max(2, round(2 * rate / base_rate)))
    raw["workforce"]["technicians"] = max(  # at least one per region
        regions, round(baseline_raw()["workforce"]["technicians"] * rate / base_rate))
    raw["churn"] = {"holding_days": {"dist": "exponential", "mean": customers / rate}}
    raw.update(name=f"churn-{orders}-{customers}")
    return raw


def churn_scenario(orders: int, customers: int, days: float = 365.0, seed: int = 42
                   ) -> Scenario:
    """:func:`churn_raw`, validated."""
    return scenario_from_dict(churn_raw(orders, customers, days, seed),
                              f"{BASELINE} with churn: {orders} orders, {customers} "
                              "customers", REPO)


def erlang_c_scenario(arrivals_per_hour: float, technicians: int, install_min: float,
                      days: float, seed: int = 42) -> Scenario:
    """omsim as an M/M/c queue: install-only orders (one technician visit each), ``c``
    technicians on a 24-hour shift, no travel, no appointment lead time, exponential
    install times, no no-shows."""
    raw: dict[str, Any] = {
        "name": "erlang-c",
        "seed": seed,
        "duration_days": days,
        "warmup_days": 0,
        "catalog": str(ERLANG_C_CATALOG),
        "network": {"exchanges": 1, "olts_per_exchange": 1, "line_cards_per_olt": 1,
                    "pon_ports_per_line_card": 16, "split_ratio": 64, "bngs": 1,
                    "regions": 1, "homes_per_pon_port": 64},
        "workforce": {"technicians": technicians, "shift_start_hour": 0, "shift_end_hour": 24,
                      "travel_min": 0, "install_min": {"dist": "exponential",
                                                       "mean": install_min},
                      "appointment_lead_days": 0, "no_show_rate": 0.0},
        "arrivals": [{"offering": "Install", "rate_per_day": arrivals_per_hour * 24}],
    }
    return scenario_from_dict(raw, "erlang-c (benchmarks/workloads.py)", REPO)


@dataclass
class EngineRun:
    """Figures of one omsim run: orders submitted, SimPy events, seconds per phase
    (CPU or wall: see ``clock``)."""

    orders: int
    completed: int
    in_flight: int
    events: int
    build_s: float
    simulate_s: float
    report_s: float

    @property
    def seconds(self) -> float:
        return self.build_s + self.simulate_s + self.report_s


def run_engine(scenario: Scenario, replication: int = 0) -> EngineRun:
    """One replication of ``scenario``, timed per phase (build, simulate, report), the
    way :func:`sim.run.harness.run_scenario` runs it."""
    t0 = clock()
    run = build_run(scenario, replication=replication, keep_ended=False)
    t1 = clock()
    with collector_for_simulation(bounded=True):  # as run_scenario does
        run.env.run(until=scenario.duration_days * DAY_S)
    t2 = clock()
    report = finish(run, scenario, t2 - t0)
    t3 = clock()
    orders = report["orders"]
    return EngineRun(orders["submitted"], orders["completed"], orders["in_flight"],
                     events_processed(run.env), t1 - t0, t2 - t1, t3 - t2)


def in_flight_scenario(orders: int, seed: int = 42) -> Scenario:
    """The reference scenario's order mix for ``orders`` orders, on a network sized for
    them, where nobody installs: every technician is off for the whole run (a
    ``workforce_absence`` fault; a scenario that sells installs may not have zero
    technicians), so every order that reaches its install visit waits in the crew's
    backlog."""
    raw = scaled_raw(orders, days=2.0, seed=seed)
    raw["workforce"].update(technicians=raw["network"]["regions"], appointment_lead_days=0)
    raw["faults"] = [{"kind": "workforce_absence", "technicians": 1}]  # per region: all
    raw["network"]["unserviceable_addresses"] = 0
    raw["warmup_days"] = 0
    return scenario_from_dict(raw, f"{BASELINE}: {orders} orders, nobody installs", REPO)


def in_flight_bytes(in_flight: list[int], seed: int = 42) -> dict[int, tuple[int, int]]:
    """Memory held by product orders in flight (with their service and resource orders,
    reservations, SimPy processes and metrics records), measured with tracemalloc.

    The run (:func:`in_flight_scenario`) stops at each count of ``in_flight`` (orders
    submitted and not terminal). Returns {target: (orders in flight, bytes)}; the
    network and everything else built before the first order are not counted.
    """
    run = build_run(in_flight_scenario(max(in_flight), seed))
    out: dict[int, tuple[int, int]] = {}
    gc.collect()
    tracemalloc.start()
    try:
        for target in sorted(in_flight):
            while run.metrics.in_system < target:
                run.env.run(until=run.env.now + 60.0)
            gc.collect()  # count what is alive, not garbage the collector has yet to free
            out[target] = (run.metrics.in_system, tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    return out


# -- reference models -------------------------------------------------------------------

def bare_timeout_loop(events: int, processes: int = 100) -> tuple[int, float]:
    """``processes`` SimPy processes each yielding timeouts until about ``events``
    events were processed: the floor of any SimPy model. Returns (events, wall s)."""
    env = simpy.Environment()
    rng = random.Random(1)
    per_process = max(1, events // processes)

    def tick() -> Any:
        for _ in range(per_process):
            yield env.timeout(rng.random())

    for _ in range(processes):
        env.process(tick())
    started = clock()
    env.run()
    return events_processed(env), clock() - started


def bare_mmc(arrival_rate: float, service_rate: float, servers: int, customers: int,
             seed: int = 1) -> tuple[int, float]:
    """The textbook SimPy M/M/c: a source process, one process per customer, a
    ``simpy.Resource`` of ``servers``. Returns (customers served, wall s)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    desk = simpy.Resource(env, capacity=servers)
    served = 0

    def customer() -> Any:
        nonlocal served
        with desk.request() as turn:
            yield turn
            yield env.timeout(rng.expovariate(service_rate))
        served += 1

    def source() -> Any:
        for _ in range(customers):
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer())

    env.process(source())
    started = clock()
    env.run()
    return served, clock() - started


def ciw_mmc(arrival_rate: float, service_rate: float, servers: int, until: float,
            seed: int = 1) -> tuple[int, float]:
    """Ciw's M/M/c over ``until`` time units. Returns (customers served, wall s)."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=arrival_rate)],
        service_distributions=[ciw.dists.Exponential(rate=service_rate)],
        number_of_servers=[servers])
    ciw.seed(seed)
    started = clock()
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(until)
    wall = clock() - started
    return len(simulation.get_all_records()), wall


def each_round(benchmark: Any, fn: Callable[[], Any], rounds: int = ROUNDS) -> list[Any]:
    """Time ``rounds`` runs of ``fn`` with pytest-benchmark; every round's result, in
    order (the table shows their median and spread). The garbage of the round before is
    collected first, untimed (a finished run is a web of reference cycles: collected
    during the next round's build, it would count there)."""
    results: list[Any] = []
    benchmark.pedantic(lambda: results.append(fn()), setup=lambda: gc.collect() and None,
                       rounds=rounds, iterations=1)
    return results
