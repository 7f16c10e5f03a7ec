"""The harness: wires network model, emulated elements and order manager for one
replication of a scenario, runs it, and returns the report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from network_model import Network, generate_network
from om import Catalog, EventBus, OrderManager, ProductOrder, Southbound
from om.approvals import ApproverPool
from om.desk import StaffedDesk
from om.escalation import Escalation
from om.fallout import FalloutQueue, RetryPolicy
from om.partners import PartnerGateway, PartnerPolicy
from sim.elements.router import EmulatedNetwork
from sim.measure.escalation import EscalationFigures
from sim.measure.impact import inventory_snapshot
from sim.measure.metrics import Metrics
from sim.measure.partners import PartnerFigures
from sim.measure.revenue import RevenueFigures
from sim.measure.trace import TraceRecorder
from sim.rng import stream
from sim.run.collector import collector_for_simulation
from sim.run.drain import drain, leftovers
from sim.run.inject import inject_faults
from sim.run.regions import RegionTraffic, regional_traffic
from sim.scenario.schema import Scenario
from sim.traffic.arrivals import Arrivals
from sim.traffic.churn import Churn
from sim.traffic.om_channel import OmChannel
from sim.units import DAY_S, HOUR_S, MINUTE_S

# Makes the southbound port of a run from its clock, network and scenario.
SouthboundFactory = Callable[[simpy.Environment, Network, Scenario], Southbound]
# Told how far a run is: (simulated seconds done, simulated seconds in all, orders so far).
RunProgress = Callable[[float, float, int], None]


@dataclass
class Run:
    """Everything one replication built, for tests and tools that look inside."""

    env: simpy.Environment
    om: OrderManager
    emulated: EmulatedNetwork
    metrics: Metrics
    seed: int
    replication: int
    channel: OmChannel
    arrivals: Arrivals | None = None
    churn: Churn | None = None
    free_at_start: dict[str, int] | None = None
    trace: TraceRecorder | None = None
    escalation: EscalationFigures | None = None
    revenue: RevenueFigures | None = None
    partners: PartnerFigures | None = None
    # A partitioned scenario's traffic, region by region (arrivals and churn are None).
    regions: list[RegionTraffic] | None = None


@dataclass(frozen=True)
class RunReport:
    """The report of one replication: ``data`` is the JSON document."""

    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


def build_run(scenario: Scenario, seed: int | None = None, replication: int = 0,
              env: simpy.Environment | None = None, arrivals: bool = True,
              trace: bool = False, southbound: SouthboundFactory | None = None,
              keep_ended: bool = True, regions: Sequence[str] | None = None) -> Run:
    """Build (but do not run) one replication of ``scenario``.

    Live mode passes its own real-time ``env`` and, unless asked for background traffic,
    ``arrivals=False`` so that orders come only from the API. ``trace`` records every
    order's tree and state history for the report. ``southbound`` makes the port ROM
    provisions through (``omsim serve --southbound``: a network over the wire, where the
    scenario's faults act; none are injected here then). ``keep_ended=False`` lets each
    order leave memory as soon as it ended (:func:`om.orders.prune`): for a run that
    reads orders only through its events (a batch run without a trace). ``regions``: of
    a partitioned scenario, the regions whose traffic runs (:mod:`sim.run.regions`).
    """
    seed = scenario.seed if seed is None else seed
    env = simpy.Environment() if env is None else env
    catalog = scenario.load_catalog()
    # The network is design data: the same for every replication of a seed.
    network = generate_network(scenario.network, seed, scenario.workforce)
    bus = EventBus()  # the order manager's events and the workforce's
    emulated = EmulatedNetwork(env, network, catalog, scenario, seed, replication, bus)
    port = with_partners(env, emulated if southbound is None
                         else southbound(env, network, scenario), emulated, bus, scenario)
    om = OrderManager(env, catalog, network, port, bus,
                      policies=retry_policies(scenario, catalog),
                      fallout_queue=fallout_queue(env, bus, scenario, seed, replication),
                      rng=stream(seed, replication, "rom:backoff"),
                      on_item_failure=scenario.order_management.on_item_failure,
                      keep_ended=keep_ended)
    om.com.jeopardy.share = scenario.jeopardy_share
    if scenario.approvals is not None:
        om.com.approvers = approver_pool(env, bus, scenario, seed, replication)
    if southbound is None:
        inject_faults(env, scenario.faults, network, emulated,
                      stream(seed, replication, "faults"), scenario._source)
    metrics = Metrics(env, om, network, scenario.duration_days * DAY_S,
                      scenario.warmup_days * DAY_S, scenario.jeopardy_share)
    recorder = TraceRecorder(bus) if trace else None
    revenue = RevenueFigures(bus, catalog, scenario.warmup_days * DAY_S) if catalog.charged \
        else None
    channel, sources, churn, traffic = _traffic(
        env, om, network, scenario, seed, replication, _hearing(metrics, recorder, revenue),
        arrivals, regions)
    run = Run(env, om, emulated, metrics, seed, replication, channel, sources, churn,
              trace=recorder, escalation=escalation(env, bus, om, scenario, seed, replication),
              revenue=revenue, partners=partner_figures(bus, catalog), regions=traffic)
    run.free_at_start = {p.name: p.free for p in network.all_pools()}
    return run


def _traffic(env: simpy.Environment, om: OrderManager, network: Network, scenario: Scenario,
             seed: int, replication: int, hearing: Callable[[ProductOrder, Any], None],
             arrivals: bool, regions: Sequence[str] | None
             ) -> tuple[OmChannel, Arrivals | None, Churn | None, list[RegionTraffic] | None]:
    """The run's channel, arrivals, churn and regional traffic: in a partitioned scenario
    with arrivals, each region's own (:mod:`sim.run.regions`; the channel then serves
    only the API), else the network's (live mode without background traffic)."""
    if scenario.partition == "regions" and arrivals:
        channel = OmChannel(om, hearing)

        def tell(order: ProductOrder, label: Any) -> None:
            # Whoever listens on the run's channel now (live mode puts its own there).
            channel.on_submit(order, label)

        return channel, None, None, regional_traffic(
            env, om, network, scenario, seed, replication, tell, regions)
    return (*customers(env, om, network, scenario, seed, replication, hearing, arrivals),
            None)


def _hearing(metrics: Metrics, recorder: TraceRecorder | None,
             revenue: RevenueFigures | None) -> Callable[[ProductOrder, Any], None]:
    """What hears of each order at submission: the metrics, then the trace and the
    revenue figures when the run has them."""
    if recorder is None and revenue is None:
        return metrics.order_submitted

    def on_submit(order: ProductOrder, label: Any) -> None:
        now = metrics.env.now
        metrics.order_submitted(order, label)
        if recorder is not None:
            recorder.track(order)
        if revenue is not None:
            revenue.order_submitted(order, now)
    return on_submit


def customers(env: simpy.Environment, om: OrderManager, network: Network,
              scenario: Scenario, seed: int, replication: int,
              on_submit: Callable[[ProductOrder, str], None], arrivals: bool = True
              ) -> tuple[OmChannel, Arrivals | None, Churn]:
    """The scenario's traffic (:mod:`sim.traffic`) with ``om`` as its sink: the channel
    (``on_submit`` hears of each order first), the arrivals (None unless ``arrivals``)
    ordering at the network's addresses, and churn."""
    channel = OmChannel(om, on_submit)
    sources = (Arrivals(env, channel, [a.id for a in network.addresses], scenario, seed,
                        replication) if arrivals else None)
    return channel, sources, Churn(env, channel, scenario, stream(seed, replication, "churn"))


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


def with_partners(env: simpy.Environment, port: Southbound, emulated: EmulatedNetwork,
                  bus: EventBus, scenario: Scenario) -> Southbound:
    """``port``, with om's partner gateway beside it when the catalog hands some RFS to
    partners (the emulated ones of ``emulated``)."""
    if not emulated.partners:
        return port
    return PartnerGateway(env, port, dict(emulated.partners), bus,
                          partner_policies(scenario, scenario.load_catalog()))


def partner_figures(bus: EventBus, catalog: Catalog) -> PartnerFigures | None:
    """What the report says of the partners, when the catalog names any."""
    return PartnerFigures(bus, catalog.partners()) if catalog.partners() else None


def partner_policies(scenario: Scenario, catalog: Catalog) -> dict[str, PartnerPolicy]:
    """The partner gateway's policy per partner, from the scenario's ``partners``."""
    out = {}
    for name in catalog.partners():
        g = scenario.partner_settings(name).gateway
        attempts = g.attempts if scenario.order_management.retries else 1
        out[name] = PartnerPolicy(attempts, g.answer_timeout_s, g.backoff_s,
                                  g.deadline_days * DAY_S)
    return out


def escalation(env: simpy.Environment, bus: EventBus, om: OrderManager, scenario: Scenario,
               seed: int, replication: int) -> EscalationFigures | None:
    """The scenario's escalation rules acting on ``om``'s jeopardy, and the figures that
    count them; None when the scenario has none (or they are off)."""
    settings = scenario.escalation
    if settings is None or not settings.enabled:
        return None
    actions = tuple(settings.actions)
    rng = stream(seed, replication, "supervisors")
    handling_h = settings.handling_hours.sampler(rng)
    desk = StaffedDesk(env, settings.supervisors, lambda: HOUR_S * handling_h(), 1.0, rng)
    figures = EscalationFigures(bus, actions)  # first: it hears each action's events
    Escalation(env, bus, actions, om.com.open_orders.__contains__, desk)
    return figures


def approver_pool(env: simpy.Environment, bus: EventBus, scenario: Scenario, seed: int,
                  replication: int) -> ApproverPool:
    """The approvers of the scenario, who decide orders matching a catalog rule."""
    settings = scenario.approvals
    assert settings is not None
    rng = stream(seed, replication, "approvals")
    response_h = settings.response_hours.sampler(rng)
    return ApproverPool(env, bus, settings.approvers, lambda: HOUR_S * response_h(),
                        settings.rejection_rate, rng)


def fallout_queue(env: simpy.Environment, bus: EventBus, scenario: Scenario, seed: int,
                  replication: int) -> FalloutQueue | None:
    """The operations team of the scenario, or None when the fallout queue is off."""
    ops = scenario.order_management.operations
    if not ops.enabled:
        return None
    rng = stream(seed, replication, "operations")
    handling_min = ops.handling_min.sampler(rng)
    return FalloutQueue(env, bus, ops.staff, lambda: MINUTE_S * handling_min(), ops.fix_success,
                        rng)


def events_processed(env: simpy.Environment) -> int:
    # SimPy numbers every scheduled event (Environment._eid); those still queued at the
    # end were scheduled but not processed.
    return next(env._eid) - len(env._queue)  # type: ignore[attr-defined]


def run_scenario(scenario: Scenario, seed: int | None = None, replication: int = 0,
                 trace: bool = False, progress: RunProgress | None = None) -> RunReport:
    """Run one replication of ``scenario`` and return its report (with ``trace`` and
    ``inventory`` keys when ``trace`` is asked for). ``progress`` is told after each
    simulated hour (a progress bar); the report is the same with or without it."""
    started = time.perf_counter()
    run = build_run(scenario, seed, replication, trace=trace, keep_ended=trace)
    with collector_for_simulation(bounded=True):
        if progress is None:
            run.env.run(until=scenario.duration_days * DAY_S)
        else:
            run_telling(run, scenario.duration_days * DAY_S, progress)
    report = finish(run, scenario, time.perf_counter() - started)
    if scenario.churn.cease_all_at_end:
        report.data["drain"] = drain_and_check(run)
    return report


def run_telling(run: Run, until_s: float, progress: RunProgress) -> None:
    """``run.env.run(until=until_s)``, telling ``progress`` after each simulated hour.

    The same events run in the same order as in one ``env.run``: every event before
    ``until_s`` is stepped through, and only then does ``env.run`` make its stop event,
    which is urgent and alone at ``until_s`` either way. Only its sequence number is later
    than it would have been, which orders nothing else, so reports stay byte-identical
    (``sim.events`` included).
    """
    env = run.env
    step, peek = env.step, env.peek
    checkpoint = 0.0
    while (checkpoint := min(checkpoint + HOUR_S, until_s)) < until_s:
        while peek() < checkpoint:
            step()
        progress(checkpoint, until_s, len(run.metrics.orders))
    env.run(until=until_s)
    progress(until_s, until_s, len(run.metrics.orders))


def drain_and_check(run: Run) -> dict[str, Any]:
    """Cease every customer after the run (:func:`sim.run.drain.drain`) and report what
    was left behind (:func:`sim.run.drain.leftovers`)."""
    if run.arrivals is not None:
        run.arrivals.stopped = True
    assert run.churn is not None and run.free_at_start is not None
    result = drain(run.env, run.om, run.churn, lambda: run.metrics.in_system)
    result.update(leftovers(run.om, run.emulated.elements.values(), run.free_at_start))
    return result


def finish(run: Run, scenario: Scenario, wall_seconds: float) -> RunReport:
    """The report of a run that has been simulated to its end."""
    data = report_of(scenario, run.seed, run.replication, events_processed(run.env),
                     wall_seconds, run.metrics)
    if run.escalation is not None:
        data["escalation"] = run.escalation.report()
    if run.revenue is not None:
        data["revenue"] = run.revenue.report()
    if run.partners is not None:
        data["partners"] = run.partners.report()
    if run.trace is not None:
        data["trace"] = run.trace.report()
        data["inventory"] = inventory_snapshot(run.om, run.om.network)
    return RunReport(data)


def report_of(scenario: Scenario, seed: int, replication: int, events: int,
              wall_seconds: float, metrics: Metrics) -> dict[str, Any]:
    """The report's run keys and ``metrics``' figures (those of one run, or merged)."""
    body = metrics.report()
    return {
        "scenario": scenario.name,
        "seed": seed,
        "replication": replication,
        "sim": {
            "duration_days": scenario.duration_days,
            "warmup_days": scenario.warmup_days,
            "events": events,
            "wall_seconds": round(wall_seconds, 3),
        },
        **body,
    }
