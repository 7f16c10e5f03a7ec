"""Whether a scenario's regions may run apart (``partition: regions``).

A region may run in a process of its own when nothing an order of it contends for, or
draws its random numbers from, is shared with another region. Each region then has its
own traffic (:mod:`sim.run.partition`), and the merged report is exactly the report of
the whole scenario run in one process with the same seed.

What is shared in omsim's model, and so refused, each with the thing named:

- a BNG (its sessions, IPv4 pools and DHCP server) homing exchanges of two regions;
- a central platform (any element kind but OLT, BNG, DHCP and the workforce: one voice
  platform, one ACS for the whole network) and its NETCONF sessions;
- a network-wide pool (the telephone numbers);
- a partner (one capacity and queue for every region);
- a staffed desk: the fallout queue's operations staff, the approvers, the supervisors.
  Each is one team in the model, orders of every region waiting for the same people;
  giving every region a team of its own would be another model, so it is refused rather
  than split silently (turn the desk off, or run without ``partition``);
- ROM's backoff jitter, drawn from one random stream for every order (set
  ``elements.<kind>.retry.jitter: 0``);
- a bulk order (its sites are drawn across the whole network) and a single order at
  ``at_day`` (it belongs to no region).

- an inventory drift fault: it draws the slots it takes from one random stream, among
  the slots every region's traffic left free.

Other faults act on one element, link, pool or crew at fixed times and draw nothing:
every region's run applies the whole timeline, each fault touching only its own
region's orders. The end-of-run drain and revenue figures are not partitioned yet and
are refused with that said. Technicians are never shared: each region has its own crew.
"""

from __future__ import annotations

from network_model import PoolKind
from network_model.topology import ACCESS_ELEMENTS
from om import Catalog, ScenarioError
from sim.scenario.schema import Scenario


def check_partition(scenario: Scenario, catalog: Catalog, source: str) -> None:
    """Raise :class:`ScenarioError` naming the first thing the regions of ``scenario``
    share (nothing when it declares no ``partition``)."""
    if scenario.partition is None:
        return
    problem = _shared(scenario, catalog)
    if problem is not None:
        raise ScenarioError(f"{source}: partition: regions: {problem}")


def _shared(scenario: Scenario, catalog: Catalog) -> str | None:
    for check in (_bngs, _elements_and_pools, _desks, _streams, _arrivals, _not_yet):
        problem = check(scenario, catalog)
        if problem is not None:
            return problem
    return None


def _bngs(scenario: Scenario, catalog: Catalog) -> str | None:
    """A BNG homing exchanges of several regions (the generator deals exchanges to regions
    and to BNGs round-robin: :func:`network_model.generate.generate_network`)."""
    from network_model import generate_network

    network = generate_network(scenario.network, scenario.seed, scenario.workforce)
    regions: dict[str, set[str]] = {}
    for olt in network.olts.values():
        bng = network.homing_bng(olt.name)
        regions.setdefault(bng, set()).add(network.exchanges[olt.exchange].region)
    for bng, served in sorted(regions.items()):
        if len(served) > 1:
            names = sorted(served)
            return (f"BNG {bng} serves regions {', '.join(names[:-1])} and {names[-1]} "
                    f"(its sessions, IPv4 pools and DHCP are shared): give network.bngs a "
                    f"multiple of network.regions ({scenario.network.regions})")
    return None


def _elements_and_pools(scenario: Scenario, catalog: Catalog) -> str | None:
    """Central platforms, network-wide pools and partners an ordered offering uses."""
    for n, arrival in enumerate(scenario.arrivals):
        plan = catalog.offering(arrival.offering)
        if plan is None:
            continue
        for cfs in plan.cfs:
            for rfs in (*cfs.rfs, *cfs.off_net_rfs):
                where = f"(arrivals.{n}: '{arrival.offering}' needs {rfs.name})"
                if rfs.partner is not None:
                    return f"partner {rfs.partner} serves every region {where}"
                if rfs.element not in ACCESS_ELEMENTS:  # one instance per access path
                    return (f"element {rfs.element} is one platform serving every region "
                            f"{where}")
                for pool in rfs.pools:
                    if pool is PoolKind.PHONE_NUMBER:
                        return f"pool voice:numbers serves every region {where}"
    return None


def _desks(scenario: Scenario, catalog: Catalog) -> str | None:
    """Staffed desks: one team for every region in the model."""
    ops = scenario.order_management.operations
    if ops.enabled:
        return (f"the fallout queue's {ops.staff} operations staff serve every region "
                f"(order_management.operations): set order_management.operations.enabled: "
                f"false")
    if scenario.approvals is not None:
        return (f"the {scenario.approvals.approvers} approvers serve every region "
                f"(approvals): remove approvals")
    esc = scenario.escalation
    if esc is not None and esc.enabled:
        if "escalate" in esc.actions:
            return (f"the supervisor desk's {esc.supervisors} supervisors serve every "
                    f"region (escalation): set escalation.enabled: false")
        return "escalation figures are not merged across regions yet: set " \
               "escalation.enabled: false"
    return None


def _streams(scenario: Scenario, catalog: Catalog) -> str | None:
    """Random streams every region draws from."""
    for kind in sorted(_element_kinds(scenario, catalog)):
        retry = scenario.element_settings(kind).retry
        if scenario.order_management.retries and kind != "workforce" and retry.jitter > 0:
            return (f"elements.{kind}.retry.jitter: {retry.jitter:g}: ROM draws every "
                    f"backoff's jitter from one random stream for all regions: set it to 0")
    return None


def _element_kinds(scenario: Scenario, catalog: Catalog) -> set[str]:
    kinds = set()
    for arrival in scenario.arrivals:
        plan = catalog.offering(arrival.offering)
        if plan is not None:
            kinds.update(r.element for c in plan.cfs for r in c.rfs)
    return kinds


def _arrivals(scenario: Scenario, catalog: Catalog) -> str | None:
    for n, arrival in enumerate(scenario.arrivals):
        if arrival.sites > 1:
            return (f"arrivals.{n}.sites: {arrival.sites}: a bulk order's sites are drawn "
                    f"across the whole network, so it spans regions")
        if arrival.at_day is not None:
            return (f"arrivals.{n}.at_day: a single order belongs to no one region (give "
                    f"rate_per_day: each region's stream is its share of it)")
    return None


def _not_yet(scenario: Scenario, catalog: Catalog) -> str | None:
    for n, fault in enumerate(scenario.faults):
        if fault.kind == "inventory_drift":
            return (f"faults.{n}: inventory drift draws the slots it takes from one random "
                    f"stream for every region, among the slots each region's traffic left "
                    f"free")
    if scenario.churn.cease_all_at_end:
        return "churn.cease_all_at_end: the drain is not merged across regions yet"
    if catalog.charged:
        return (f"catalog {scenario.catalog} prices its offerings: revenue figures are not "
                f"merged across regions yet")
    return None
