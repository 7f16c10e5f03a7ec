"""The configuration tree and the undo journal of one edit.

The tree is RFC 7951 shaped: a dict per container or list entry, member names qualified
only where the module changes (``omsim-olt:olt`` under an element, ``pon-port`` below
it), leaf values in their JSON form. A list is a :class:`KeyedList`, a dict keyed by the
tuple of the entry's key values, so a BNG with 32 000 sessions finds one in O(1).

Two kinds of list entry:

- **structure**: the network's elements and the OLTs' PON ports. They exist with the
  network; a client configures them but never creates or deletes them.
- **units**: the first client-created list entry on a path (an ONT, a subscriber
  session, a DHCP reservation, a number, a CPE with its SSIDs). A unit is what an element
  checks, draws its resources for, validates and persists as a whole.

A :class:`Journal` records every change of one edit so a refused edit leaves nothing
behind, and the units it reached, so only those are checked and validated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

STRUCTURE_LISTS = frozenset({"element", "pon-port"})  # member names of structural lists
STRUCTURE_CONTAINERS = frozenset({"omsim-olt:olt"})  # containers holding structure

Trail = tuple[tuple[str, Any], ...]  # (member, key or None) steps from the network
_MISSING = object()


class KeyedList(dict):  # type: ignore[type-arg]
    """The entries of one YANG list, keyed by the tuple of their key values."""


class Journal:
    """The undo log of one edit, and the units it reached.

    ``units`` are trails from the network container to each unit the edit created,
    changed or removed (including units under a container it deleted or replaced).
    """

    def __init__(self) -> None:
        self._undo: list[tuple[dict[Any, Any], Any, Any]] = []
        self._trail: list[tuple[str, Any]] = []
        self.units: dict[Trail, None] = {}  # ordered set

    # -- where the edit is ----------------------------------------------------------------
    def enter(self, member: str, key: Any = None) -> None:
        """Go down to ``member`` (and its entry ``key``): a unit entered is touched."""
        if _is_unit(member, key) and not self.inside_unit():
            self.units[(*self._trail, (member, key))] = None
        self._trail.append((member, key))

    def leave(self) -> None:
        self._trail.pop()

    def inside_unit(self) -> bool:
        return any(_is_unit(member, key) for member, key in self._trail)

    @property
    def trail(self) -> Trail:
        return tuple(self._trail)

    # -- changes (``node`` is a container or entry, ``entries`` a list) ------------------
    def set(self, node: dict[str, Any], member: str, value: Any) -> None:
        """``node[member] = value``, undoably; units under a value replaced are touched."""
        self._change(node, member, value, self._units_of(member, None, node.get(member)))

    def set_entry(self, entries: KeyedList, member: str, key: tuple[Any, ...],
                  value: dict[str, Any]) -> None:
        """``entries[key] = value`` for the list ``member``, undoably."""
        self._change(entries, key, value, self._units_of(member, key, entries.get(key)))

    def pop(self, node: dict[str, Any], member: str) -> None:
        """Remove ``node[member]``, undoably; units under it are touched."""
        if member in node:
            self._change(node, member, _MISSING, self._units_of(member, None, node[member]))

    def pop_entry(self, entries: KeyedList, member: str, key: tuple[Any, ...]) -> None:
        if key in entries:
            self._change(entries, key, _MISSING, self._units_of(member, key, entries[key]))

    def _change(self, holder: dict[Any, Any], key: Any, value: Any, touched: list[Trail]
                ) -> None:
        self._undo.append((holder, key, holder.get(key, _MISSING)))
        if value is _MISSING:
            del holder[key]
        else:
            holder[key] = value
        for trail in touched:
            self.units[trail] = None

    def _units_of(self, member: str, key: Any, old: Any) -> list[Trail]:
        if old is None or self.inside_unit():
            return []  # nothing replaced, or inside a unit that is touched already
        return list(units_in(member, key, old, self.trail))

    def rollback(self) -> None:
        for node, key, old in reversed(self._undo):
            if old is _MISSING:
                node.pop(key, None)
            else:
                node[key] = old
        self._undo.clear()

    def commit(self) -> None:
        self._undo.clear()


def _is_unit(member: str, key: Any) -> bool:
    return key is not None and member not in STRUCTURE_LISTS


def units_in(member: str, key: Any, value: Any, base: Trail) -> Iterator[Trail]:
    """Trails of every unit at or below ``value`` (the member ``member`` of the node at
    ``base``; ``key`` when ``value`` is one entry of a list)."""
    if key is not None:
        trail = (*base, (member, key))
        if member not in STRUCTURE_LISTS:
            yield trail
            return
        yield from _units_below(value, trail)
    elif isinstance(value, KeyedList):
        for k, entry in value.items():
            yield from units_in(member, k, entry, base)
    elif isinstance(value, dict):
        yield from _units_below(value, (*base, (member, None)))


def _units_below(node: dict[str, Any], trail: Trail) -> Iterator[Trail]:
    for member, value in node.items():
        if isinstance(value, dict):
            yield from units_in(member, None, value, trail)


def lookup(root: dict[str, Any], trail: Trail) -> Any:
    """The node at ``trail`` (None when it is not there)."""
    node: Any = root
    for member, key in trail:
        if not isinstance(node, dict) or member not in node:
            return None
        node = node[member]
        if key is not None:
            if not isinstance(node, KeyedList) or key not in node:
                return None
            node = node[key]
    return node


def to_raw(node: Any) -> Any:
    """RFC 7951 JSON of a (sub)tree: lists as arrays, empty lists left out."""
    if isinstance(node, KeyedList):
        return [to_raw(e) for e in node.values()]
    if isinstance(node, dict):
        return {k: to_raw(v) for k, v in node.items()
                if not (isinstance(v, KeyedList) and not v)}
    return node


def leaves(node: dict[str, Any]) -> dict[str, Any]:
    """The leaves of a container or entry, without the containers and lists below it."""
    return {k: v for k, v in node.items() if not isinstance(v, dict)}
