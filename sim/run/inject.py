"""Fault injection: the faults a scenario declares (:mod:`sim.scenario.faults`), checked
against the network of one run and applied on its timeline.

Each fault kind has a binder that checks the fault against the network (an error names
the scenario file, the fault and the field) and returns what applies it and what undoes
it; one SimPy process per fault applies it at ``from_days`` and undoes it at
``until_days``. Faults act on elements and crews only through their own methods
(``set_down``, ``set_lost_answer_rate``, ``set_error_rate``, ``drift``, ``set_absent``;
a partner's ``set_down`` and ``surge``),
on pools through their ``limit`` and on links through the topology.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import simpy

from network_model import Network, PoolKind, ResourcePool
from om import ScenarioError
from sim.elements.element import Element
from sim.elements.router import EmulatedNetwork
from sim.scenario.faults import (
    ElementErrors,
    ElementOutage,
    InventoryDrift,
    LinkCut,
    LostAnswers,
    PartnerBacklogSurge,
    PartnerOutage,
    PoolLimit,
    WorkforceAbsence,
)
from sim.units import DAY_S

Action = Callable[[], None]


@dataclass(frozen=True)
class _Target:
    """What a fault acts on, and where it is declared (for errors)."""

    network: Network
    emulated: EmulatedNetwork
    rng: random.Random
    where: str  # "scenario.yaml: faults.3"


def inject_faults(env: simpy.Environment, faults: list[Any], network: Network,
                  emulated: EmulatedNetwork, rng: random.Random, source: str) -> None:
    """Check every fault against the network and start its process."""
    for n, fault in enumerate(faults):
        apply, undo = bind_fault(fault, network, emulated, rng, f"{source}: faults.{n}")
        env.process(_window(env, fault, apply, undo))


def bind_fault(fault: Any, network: Network, emulated: EmulatedNetwork, rng: random.Random,
               where: str) -> tuple[Action, Action | None]:
    """Check one fault against the network (a ScenarioError names ``where`` and the
    field) and return what applies it and what undoes it (None: it stays). The live
    service's faults on cue (``POST /omsim/faults``) are bound here too."""
    return _BINDERS[type(fault)](fault, _Target(network, emulated, rng, where))


def _window(env: simpy.Environment, fault: Any, apply: Action, undo: Action | None
            ) -> Generator[simpy.Event, Any, None]:
    if fault.from_days:
        yield env.timeout(fault.from_days * DAY_S)
    apply()
    if fault.until_days is not None and undo is not None:
        yield env.timeout((fault.until_days - fault.from_days) * DAY_S)
        undo()


# -- one binder per fault kind: checks the fault against the network and returns what
# -- applies it and what undoes it (None: it stays) -----------------------------------

def _pool_limit(fault: PoolLimit, t: _Target) -> tuple[Action, Action]:
    pools = _pools(t.network, fault.pool, fault.at, t.where)
    before = [p.limit for p in pools]

    def shrink() -> None:
        for p in pools:
            p.limit = min(p.limit, fault.limit)

    def restore() -> None:
        for p, limit in zip(pools, before, strict=True):
            p.limit = limit
    return shrink, restore


def _workforce_absence(fault: WorkforceAbsence, t: _Target) -> tuple[Action, Action]:
    crews = [c for name, c in t.emulated.crews.items()
             if fault.region is None or name == f"workforce:{fault.region}"]
    if not crews:
        raise ScenarioError(f"{t.where}.region: no region '{fault.region}' (known: "
                            f"{', '.join(t.network.regions)})")

    def leave() -> None:
        for c in crews:
            c.set_absent(c.absent + fault.technicians)

    def back() -> None:
        for c in crews:
            c.set_absent(c.absent - fault.technicians)
    return leave, back


def _element_outage(fault: ElementOutage, t: _Target) -> tuple[Action, Action]:
    element = t.emulated.elements.get(fault.element)
    if element is None:
        raise ScenarioError(f"{t.where}.element: no element '{fault.element}' (e.g. "
                            f"{', '.join(sorted(t.emulated.elements)[:4])}, ...)")

    return (lambda: element.set_down(True)), (lambda: element.set_down(False))


def _link_cut(fault: LinkCut, t: _Target) -> tuple[Action, Action]:
    a, b = fault.link
    network = t.network
    if not network.graph.has_edge(a, b):
        raise ScenarioError(f"{t.where}.link: no link {a} - {b} in the topology")
    return (lambda: network.cut_link(a, b)), (lambda: network.restore_link(a, b))


def _lost_answers(fault: LostAnswers, t: _Target) -> tuple[Action, Action]:
    elements = _elements_of(fault.element_kind, t)

    def lose() -> None:
        for e in elements:
            e.set_lost_answer_rate(fault.rate)

    def answer() -> None:  # as configured again
        for e in elements:
            e.set_lost_answer_rate()
    return lose, answer


def _element_errors(fault: ElementErrors, t: _Target) -> tuple[Action, Action]:
    elements = _elements_of(fault.element_kind, t)

    def refuse() -> None:
        for e in elements:
            e.set_error_rate("activate", fault.rate)

    def accept() -> None:  # as configured again
        for e in elements:
            e.set_error_rate("activate")
    return refuse, accept


def _inventory_drift(fault: InventoryDrift, t: _Target) -> tuple[Action, None]:
    def drift() -> None:
        for pool, element in _pools_with_element(t.network, fault.pool):
            free = [s for s in range(pool.capacity) if not pool.is_allocated(s)]
            t.emulated.elements[element].drift(
                pool.name, t.rng.sample(free, int(len(free) * fault.share)))
    return drift, None


def _partner(name: str, t: _Target) -> Any:
    partner = t.emulated.partners.get(name)
    if partner is None:
        raise ScenarioError(f"{t.where}.partner: no partner '{name}' in the catalog "
                            f"(known: {', '.join(sorted(t.emulated.partners)) or 'none'})")
    return partner


def _partner_outage(fault: PartnerOutage, t: _Target) -> tuple[Action, Action]:
    partner = _partner(fault.partner, t)
    return (lambda: partner.set_down(True)), (lambda: partner.set_down(False))


def _partner_backlog_surge(fault: PartnerBacklogSurge, t: _Target) -> tuple[Action, Action]:
    partner = _partner(fault.partner, t)
    return ((lambda: partner.surge(fault.orders, fault.lead_time_factor)),
            (lambda: partner.surge(0, 1.0)))


_BINDERS: dict[type, Callable[[Any, _Target], tuple[Action, Action | None]]] = {
    PoolLimit: _pool_limit,
    WorkforceAbsence: _workforce_absence,
    ElementOutage: _element_outage,
    LinkCut: _link_cut,
    LostAnswers: _lost_answers,
    ElementErrors: _element_errors,
    InventoryDrift: _inventory_drift,
    PartnerOutage: _partner_outage,
    PartnerBacklogSurge: _partner_backlog_surge,
}


def _elements_of(kind: str, t: _Target) -> list[Element]:
    """Every element of ``kind`` (``olt``, ``bng``, ...); an error names the field."""
    elements = [e for e in t.emulated.elements.values() if e.name.split(":")[0] == kind]
    if not elements:
        raise ScenarioError(f"{t.where}.element_kind: no element of kind '{kind}'")
    return elements


def _pools(network: Network, kind: PoolKind, at: str | None, where: str
           ) -> list[ResourcePool]:
    """Pools of ``kind``, narrowed to those of one BNG, OLT or PON port."""
    chosen = []
    for pool, element in _pools_with_element(network, kind):
        if at is None or element.split(":", 1)[1] == at or pool.name.startswith(f"{at}:") \
                or pool.name.startswith(f"{at}/"):
            chosen.append(pool)
    if not chosen:
        raise ScenarioError(f"{where}.at: no {kind.value} pool at '{at}'")
    return chosen


def _pools_with_element(network: Network, kind: PoolKind) -> list[tuple[ResourcePool, str]]:
    """Every pool of ``kind`` with the element that configures its slots."""
    out: list[tuple[ResourcePool, str]] = []
    if kind is PoolKind.ONT_ID:
        out = [(p.ont_ids, f"olt:{p.olt}") for p in network.ports.values()]
    elif kind is PoolKind.C_VLAN:
        out = [(pool, f"bng:{network.homing_bng(olt)}")
               for (olt, _), pool in network.c_vlan_pools.items()]
    elif kind is PoolKind.BNG_SESSION:
        out = [(pool, f"bng:{bng}") for bng, pool in network.session_pools.items()]
    elif kind is PoolKind.IPV4_ADDRESS:
        out = [(pool, f"dhcp:{bng}") for bng, pools in network.ipv4_pools.items()
               for pool in pools]
    elif kind is PoolKind.PHONE_NUMBER:
        out = [(network.phone_numbers, "voice_platform")]
    return out
