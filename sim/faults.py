"""Fault injection on a timeline: what a scenario's ``faults:`` list declares.

Each fault is a pydantic model (validated with the scenario) and one SimPy process that
applies it at its start and undoes it at its end (if it has one):

- ``pool_limit``: a pool kind, optionally at one BNG / OLT / PON port, shrinks to
  ``limit`` slots in use (0 = full: nothing more can be allocated).
- ``workforce_absence``: ``technicians`` of a region (or of every region) are off.
- ``element_outage``: an element is down (requests fail as unreachable).
- ``link_cut``: an aggregation link is cut; every OLT behind it becomes unreachable.
- ``lost_answers``: an element kind loses (or answers very late) a share of answers.
- ``element_errors``: an element kind refuses a share of activations.
- ``inventory_drift``: a share of the free slots of a pool kind is already used in the
  network, unknown to the inventory: activation there fails as ``inventory_mismatch``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import simpy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from network_model import Network, PoolKind, ResourcePool
from om import ScenarioError

if TYPE_CHECKING:
    from sim.element import Element
    from sim.network import EmulatedNetwork

DAY_S = 86400.0
MAX_DAYS = 3660  # the longest run a scenario may ask for (its duration_days bound)
_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Window(BaseModel):
    model_config = _STRICT
    from_days: float = Field(0, ge=0, le=MAX_DAYS)
    until_days: float | None = Field(None, gt=0, le=MAX_DAYS,
                                     description="omit: lasts to the end")

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.until_days is not None and self.until_days <= self.from_days:
            raise ValueError("until_days must be after from_days")
        return self


class PoolLimit(_Window):
    kind: Literal["pool_limit"]
    pool: PoolKind
    at: str | None = Field(None, min_length=1, max_length=200,
                           description="a BNG, OLT or PON port name; omit: all")
    limit: int = Field(0, ge=0, le=100_000_000,
                       description="slots that may be in use (0 = full)")


class WorkforceAbsence(_Window):
    kind: Literal["workforce_absence"]
    region: str | None = Field(None, min_length=1, max_length=200)
    technicians: int = Field(ge=1, le=100_000)


class ElementOutage(_Window):
    kind: Literal["element_outage"]
    element: str = Field(min_length=1, max_length=200,
                         description="e.g. bng:BNG01, olt:EX01-OLT02")


class LinkCut(_Window):
    kind: Literal["link_cut"]
    link: tuple[str, str] = Field(description="[exchange, BNG]")


class LostAnswers(_Window):
    kind: Literal["lost_answers"]
    element_kind: str
    rate: float = Field(gt=0, le=1)


class ElementErrors(_Window):
    kind: Literal["element_errors"]
    element_kind: str
    rate: float = Field(gt=0, le=1)


class InventoryDrift(_Window):
    kind: Literal["inventory_drift"]
    pool: PoolKind
    share: float = Field(gt=0, le=1, description="share of free slots already used")


Fault = Annotated[PoolLimit | WorkforceAbsence | ElementOutage | LinkCut | LostAnswers
                  | ElementErrors | InventoryDrift, Field(discriminator="kind")]


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
        target = _Target(network, emulated, rng, f"{source}: faults.{n}")
        apply, undo = _BINDERS[type(fault)](fault, target)
        env.process(_window(env, fault, apply, undo))


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

    def down() -> None:
        element.down = True

    def up() -> None:
        element.down = False
    return down, up


def _link_cut(fault: LinkCut, t: _Target) -> tuple[Action, Action]:
    a, b = fault.link
    network = t.network
    if not network.graph.has_edge(a, b):
        raise ScenarioError(f"{t.where}.link: no link {a} - {b} in the topology")
    return (lambda: network.cut_link(a, b)), (lambda: network.restore_link(a, b))


def _lost_answers(fault: LostAnswers, t: _Target) -> tuple[Action, Action]:
    elements = _elements_of(fault.element_kind, t)
    before = [e.lost_answer_rate for e in elements]

    def lose() -> None:
        for e in elements:
            e.lost_answer_rate = fault.rate

    def answer() -> None:
        for e, rate in zip(elements, before, strict=True):
            e.lost_answer_rate = rate
    return lose, answer


def _element_errors(fault: ElementErrors, t: _Target) -> tuple[Action, Action]:
    elements = _elements_of(fault.element_kind, t)
    before = [e.error_rates.get("activate", 0.0) for e in elements]

    def refuse() -> None:
        for e in elements:
            e.error_rates["activate"] = fault.rate

    def accept() -> None:
        for e, rate in zip(elements, before, strict=True):
            e.error_rates["activate"] = rate
    return refuse, accept


def _inventory_drift(fault: InventoryDrift, t: _Target) -> tuple[Action, None]:
    def drift() -> None:
        for pool, element in _pools_with_element(t.network, fault.pool):
            free = [s for s in range(pool.capacity) if not pool.is_allocated(s)]
            for slot in t.rng.sample(free, int(len(free) * fault.share)):
                t.emulated.elements[element].configured.setdefault((pool.name, slot), "drift")
    return drift, None


_BINDERS: dict[type, Callable[[Any, _Target], tuple[Action, Action | None]]] = {
    PoolLimit: _pool_limit,
    WorkforceAbsence: _workforce_absence,
    ElementOutage: _element_outage,
    LinkCut: _link_cut,
    LostAnswers: _lost_answers,
    ElementErrors: _element_errors,
    InventoryDrift: _inventory_drift,
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
