"""One element of the network as its management interface sees it: what it has
configured, unit by unit, and the slots each unit holds.

The element's behaviour - whether it is reachable, its configuration latency, its errors
and lost answers, the slots drift left on it - is the simulation's element
(``sim.elements``), seen through :class:`Behaviour`, and changed by the scenario's fault
timeline through the element's own methods. The wire side adds what the simulation
never needed: the units an external client configured, who holds which slot, and the
checks a real element makes before it accepts a unit:

- a slot already used on the element - by another unit, or by drift nobody's inventory
  knows of - is ``data-exists`` (error-app-tag ``inventory-mismatch``), naming the slot;
- a pool that is full (or shrunk by a ``pool_limit`` fault) is ``resource-denied``
  (``resource-exhausted``);
- a serial registered twice on an OLT is ``operation-failed`` (``data-not-unique``);
- what drift left on the element is not the client's to change or remove
  (``data-exists``, ``inventory-mismatch``).

Every change is recorded in an :class:`Undo` log so a refused edit takes it all back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sim.emulate.errors import NodePath, RpcError
from sim.emulate.kinds import Kind, Slot
from sim.emulate.tree import Trail

DRIFT = "drift"  # the owner of a slot the network uses unknown to any inventory


class Behaviour(Protocol):
    """What the emulator asks of a simulated element (``sim.elements``): the same
    methods the element's own activation uses, so both draw alike."""

    @property
    def configured(self) -> Mapping[tuple[str, int], str]:
        """(pool, slot) -> who configured it; "drift" for inventory drift."""

    @property
    def late_answer_s(self) -> float:
        """Simulated seconds a lost answer comes late."""

    def reachable(self) -> bool: ...

    def latency_s(self) -> float: ...

    def refuses(self, operation: str) -> bool: ...

    def loses_answer(self) -> bool: ...


class Undo:
    """Closures that take back what one edit did, run last-first on :meth:`rollback`."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], None]] = []

    def add(self, step: Callable[[], None]) -> None:
        self._steps.append(step)

    def rollback(self) -> None:
        while self._steps:
            self._steps.pop()()

    def commit(self) -> None:
        self._steps.clear()


@dataclass(slots=True)
class Unit:
    """What one configured unit holds: its slots (and whether the element took them from
    the pool: an address handed out by the IPAM is the IPAM's) and unique values."""

    owner: str  # the unit's path, or "drift"
    slots: list[tuple[Slot, bool]] = field(default_factory=list)
    unique: list[tuple[str, Any]] = field(default_factory=list)


class ManagedElement:
    """An element on the wire: its name, kind, behaviour, and the units it holds."""

    def __init__(self, name: str, kind: Kind, behaviour: Behaviour) -> None:
        self.name = name
        self.kind = kind
        self.behaviour = behaviour
        self.units: dict[Trail, Unit] = {}
        self.owners: dict[tuple[str, int], str] = {}  # (pool, slot) -> unit path or "drift"
        self._unique: dict[tuple[str, Any], Trail] = {}

    def holder(self, pool: str, index: int) -> str | None:
        """Who holds slot ``index`` of ``pool`` on this element (None: nobody)."""
        return self.owners.get((pool, index)) or self.behaviour.configured.get((pool, index))

    def settle(self, trail: Trail, entry: dict[str, Any] | None, path: NodePath, undo: Undo,
               owner: str | None = None, take: bool = True) -> None:
        """Make the element hold what the unit at ``trail`` now is (``entry``; None: it
        was removed): release the slots it no longer uses, claim the new ones.

        ``owner`` defaults to the unit's path; drift is adopted with ``owner`` "drift"
        and ``take`` False (no inventory knows of it: its slots stay free in the pools).
        """
        old = self.units.get(trail)
        owner = owner or str(path)
        if old is not None and old.owner == DRIFT != owner:
            what = f"{path[-1].name} {'/'.join(v for _, v in path[-1].keys)}"
            raise RpcError("data-exists", f"{what} on {self.name} was configured outside "
                           "any inventory (drift): "
                           "it is not yours to change or remove", path,
                           app_tag="inventory-mismatch")
        wanted = self.kind.slots(trail, entry, path) if entry is not None else []
        kept = [(s, took) for s, took in (old.slots if old else [])
                if any(_same(s, w) for w in wanted)]
        for slot, took in (old.slots if old else []):
            if (slot, took) not in kept:
                self._release(slot, took, undo)
        claimed = [self._claim(w, owner, path, undo, take) for w in wanted
                   if not any(_same(s, w) for s, _ in kept)]
        unique = self.kind.unique(entry) if entry is not None else []
        self._index_unique(trail, old.unique if old else [], unique, path, undo)
        self._set_unit(trail, Unit(owner, kept + claimed, unique) if entry is not None
                       else None, undo)

    def _claim(self, slot: Slot, owner: str, path: NodePath, undo: Undo, take: bool
               ) -> tuple[Slot, bool]:
        pool = slot.pool
        if slot.index is None:  # any free slot of the pool
            self._check_free(slot, path)
            index = pool.allocate()
            undo.add(lambda: pool.release(index))
            slot = Slot(pool, index, slot.label)
            _assign(self.owners, (pool.name, index), owner, undo)
            return slot, True
        holder = self.holder(pool.name, slot.index)
        if holder is not None and holder != owner:
            raise RpcError("data-exists", f"{slot.label} is already in use on {self.name}"
                           + (" (configured outside any inventory)" if holder == DRIFT
                              else f" (by {holder})"), path, app_tag="inventory-mismatch")
        took = take and not pool.is_allocated(slot.index)
        if took:
            self._check_free(slot, path)
            index = slot.index
            pool.take(index)
            undo.add(lambda: pool.release(index))
        _assign(self.owners, (pool.name, slot.index), owner, undo)
        return slot, took

    def _check_free(self, slot: Slot, path: NodePath) -> None:
        pool = slot.pool
        if not pool.free:
            raise RpcError("resource-denied", f"{self.name} has no room for {slot.label}: "
                           f"{pool.in_use} of {min(pool.limit, pool.capacity)} in use in "
                           f"{pool.name}", path, app_tag="resource-exhausted")

    def _release(self, slot: Slot, took: bool, undo: Undo) -> None:
        pool, index = slot.pool, slot.index
        assert index is not None
        if (pool.name, index) in self.owners:
            _unassign(self.owners, (pool.name, index), undo)
        if took:
            pool.release(index)
            undo.add(lambda: pool.take(index))

    def _index_unique(self, trail: Trail, old: list[tuple[str, Any]],
                      new: list[tuple[str, Any]], path: NodePath, undo: Undo) -> None:
        index = self._unique
        for value in old:
            if index.get(value) == trail and value not in new:
                _unassign(index, value, undo)
        for value in new:
            other = index.get(value)
            if other is not None and other != trail:
                raise RpcError("operation-failed", f"{value[0]} {value[1]} is already "
                               f"registered on {self.name}", path.child(path[-1].module,
                                                                         value[0]),
                               app_tag="data-not-unique")
            if other is None:
                _assign(index, value, trail, undo)

    def _set_unit(self, trail: Trail, unit: Unit | None, undo: Undo) -> None:
        if unit is None:
            if trail in self.units:
                _unassign(self.units, trail, undo)
        else:
            _assign(self.units, trail, unit, undo)


def _same(held: Slot, wanted: Slot) -> bool:
    """Whether a held slot is the one wanted (any slot of the pool, when unnamed)."""
    return held.pool is wanted.pool and wanted.index in (None, held.index)


def _assign(mapping: MutableMapping[Any, Any], key: Any, value: Any, undo: Undo) -> None:
    had, old = key in mapping, mapping.get(key)
    mapping[key] = value
    undo.add(lambda: mapping.__setitem__(key, old) if had else mapping.pop(key, None))


def _unassign(mapping: MutableMapping[Any, Any], key: Any, undo: Undo) -> None:
    old = mapping.pop(key)
    undo.add(lambda: mapping.__setitem__(key, old))
