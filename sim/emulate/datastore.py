"""The network's ``running`` datastore: one configuration tree for every element, and
the views of it that reads return.

The tree's root is ``omsim-network:network`` with one ``element`` entry per element of
the network, added when the network is built (see :mod:`sim.emulate.tree` for its
shape). Reads may ask for operational state too: it is not kept in the tree but asked
of the network, element by element, and laid over a copy of the configuration.

Validation looks only at what an edit reached. Validating a whole element is O(element)
- seconds for a BNG of 32 000 sessions - so an edit validates the units it touched,
with the leaves of their ancestors (an element's name and kind, for the ``when`` of its
kind's container): O(edit). What that leaves out - constraints over a whole list, like a
``unique`` serial across ONTs - the elements check themselves
(:mod:`sim.emulate.managed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from yangson.schemanode import ListNode

from sim.emulate.errors import ROOT, NodePath, RpcError
from sim.emulate.model import NETWORK_MODULE, TOP, Invalid, YangModel
from sim.emulate.tree import KeyedList, Trail, leaves, lookup, to_raw
from sim.emulate.values import key_text

StateOf = Callable[[str], dict[str, Any]]  # element name -> its state, laid over its config


class Datastore:
    """``running``: the configuration of every element, as one tree."""

    def __init__(self, model: YangModel) -> None:
        self.model = model
        self.network: dict[str, Any] = {"element": KeyedList()}
        self.root: dict[str, Any] = {TOP: self.network}

    @property
    def elements(self) -> KeyedList:
        return self.network["element"]

    def add_element(self, name: str, kind: str, config: dict[str, Any] | None = None
                    ) -> None:
        """A new element of ``kind`` (an ``omsim-network`` identity) with its structure."""
        self.elements[(name,)] = {"name": name, "kind": f"{NETWORK_MODULE}:{kind}",
                                  **(config or {})}

    def element(self, name: str) -> dict[str, Any] | None:
        return self.elements.get((name,))

    def unit(self, trail: Trail) -> dict[str, Any] | None:
        """The unit at ``trail`` (from the network container; None when it is not, or
        no longer, there)."""
        found = lookup(self.network, trail)
        return found if isinstance(found, dict) else None

    def put_unit(self, trail: Trail, entry: dict[str, Any]) -> None:
        """Put a unit in place (restoring, or showing drift), outside any edit."""
        node: Any = self.network
        for member, key in trail[:-1]:
            node = node.setdefault(member, {} if key is None else KeyedList())
            if key is not None:
                node = node[key]  # a structural entry: there with the network
        member, key = trail[-1]
        node.setdefault(member, KeyedList())[key] = entry

    def entry_from_raw(self, trail: Trail, raw: dict[str, Any]) -> dict[str, Any]:
        """A unit as the tree keeps it, from its RFC 7951 JSON (as the store has it)."""
        sn: Any = self.model.top
        for member, _ in trail:
            sn = self.model.child_by_member(sn, member, sn.qual_name[1])
        return _from_raw(self.model, sn, raw)

    def path_of(self, trail: Trail) -> NodePath:
        """The path of the node at ``trail`` (for errors and owners)."""
        sn: Any = self.model.top
        path = ROOT.child(NETWORK_MODULE, "network")
        for member, key in trail:
            sn = self.model.child_by_member(sn, member, sn.qual_name[1])
            name, module = sn.qual_name
            keys = () if key is None else tuple(
                (k, key_text(v)) for (k, _), v in zip(sn.keys, key, strict=True))
            path = path.child(module, name, keys)
        return path

    # -- reading ---------------------------------------------------------------------------
    def view(self, state_of: StateOf | None = None, names: Iterable[str] | None = None
             ) -> dict[str, Any]:
        """The tree (its ``network`` container) with the state of each element laid over
        its configuration; ``names`` keeps only those elements (None: all)."""
        chosen = self.elements if names is None else KeyedList(
            ((n,), self.elements[(n,)]) for n in names if (n,) in self.elements)
        if state_of is None:
            return {"element": chosen}
        return {"element": KeyedList((key, overlay(entry, state_of(key[0])))
                                     for key, entry in chosen.items())}

    # -- validation ------------------------------------------------------------------------
    def validate_units(self, units: Iterable[Trail]) -> None:
        """Validate the units an edit reached; raise ``RpcError`` naming the path."""
        sparse: dict[str, Any] = {}
        for trail in units:
            unit = self.unit(trail)
            if unit is not None:
                _graft(sparse, self.network, trail, unit)
        if not sparse:
            return
        try:
            self.model.validate({TOP: to_raw(sparse)})
        except Invalid as problem:
            raise RpcError(problem.tag, problem.message, NodePath.parse(problem.path),
                           app_tag=problem.app_tag) from None

    def validate_all(self) -> None:
        """Validate the whole tree (slow on a big network; for tests)."""
        try:
            self.model.validate({TOP: to_raw(self.network)})
        except Invalid as problem:
            raise RpcError(problem.tag, problem.message, NodePath.parse(problem.path),
                           app_tag=problem.app_tag) from None


def _graft(sparse: dict[str, Any], root: dict[str, Any], trail: Trail, unit: dict[str, Any]
           ) -> None:
    """Copy the path to ``unit`` into ``sparse``: ancestors with their leaves only, the
    unit whole."""
    src: Any = root
    dst: Any = sparse
    for member, key in trail[:-1]:
        src = src[member]
        if key is None:
            dst = dst.setdefault(member, {})
            continue
        src = src[key]
        dst = dst.setdefault(member, KeyedList()).setdefault(key, leaves(src))
    member, key = trail[-1]
    dst.setdefault(member, KeyedList())[key] = unit


def _from_raw(model: YangModel, sn: Any, raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member, value in raw.items():
        child = model.child_by_member(sn, member, sn.qual_name[1])
        if isinstance(child, ListNode):
            out[member] = KeyedList(
                (tuple(e[k] for k, _ in child.keys), _from_raw(model, child, e)) for e in value)
        elif isinstance(value, dict):
            out[member] = _from_raw(model, child, value)
        else:
            out[member] = value
    return out


def overlay(config: dict[str, Any], state: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``config`` with ``state`` laid over it; state for a list entry that is
    not configured is left out (state hangs off configuration)."""
    if not state:
        return config
    out = dict(config)
    for member, value in state.items():
        mine = out.get(member)
        if isinstance(value, KeyedList):
            if isinstance(mine, KeyedList):
                out[member] = KeyedList((k, overlay(e, value.get(k))) for k, e in mine.items())
        elif isinstance(value, dict):
            out[member] = overlay(mine if isinstance(mine, dict) else {}, value)
        else:
            out[member] = value
    return out
