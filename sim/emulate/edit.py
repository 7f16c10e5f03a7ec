"""One configuration edit, whichever protocol carried it, applied to the tree.

A NETCONF ``<config>`` (:mod:`sim.emulate.edit_xml`) and a RESTCONF request
(:mod:`sim.emulate.edit_json`) are both read into a tree of :class:`EditNode` (schema
node, operation, key or value, children), already checked against the YANG types. It is
applied here with the operations of RFC 6241 section 7.2 - merge, replace, create, delete,
remove, and ``none`` for what only leads to where a change is - under a
:class:`~sim.emulate.tree.Journal`, so a refused edit leaves nothing behind.

Creating a unit (an ONT, a session, ...) where one is configured already is
``data-exists`` with app-tag ``inventory-mismatch``: the slot is in use, whoever used it.
The network's structure is not the client's to change: an element or a PON port is never
created or deleted by an edit (``invalid-value`` for one that does not exist,
``operation-not-supported`` for deleting one), nor is an element's kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yangson.schemanode import ListNode, SchemaNode, TerminalNode

from sim.emulate.errors import NodePath, RpcError
from sim.emulate.model import NETWORK_MODULE
from sim.emulate.tree import STRUCTURE_CONTAINERS, STRUCTURE_LISTS, Journal, KeyedList

OPERATIONS = ("merge", "replace", "create", "delete", "remove")
_REMOVING = ("delete", "remove")


@dataclass
class EditNode:
    """One node of an edit: ``op`` is its own operation (None: inherited from above);
    a list entry has its ``key``, a leaf its ``value`` (RFC 7951 form, checked)."""

    sn: SchemaNode
    path: NodePath
    op: str | None = None
    key: tuple[Any, ...] | None = None
    value: Any = None
    children: list[EditNode] = field(default_factory=list)

    @property
    def member(self) -> str:
        return self.sn.iname()


def elements_of(top: EditNode) -> list[str]:
    """Names of the elements an edit of ``network`` reaches, in order."""
    return [str(child.key[0]) for child in top.children if child.key is not None]


def apply(network: dict[str, Any], top: EditNode, default_op: str, journal: Journal) -> None:
    """Apply an edit of the ``network`` container (``top``) to the tree's ``network``."""
    op = top.op or default_op
    if op not in ("merge", "none"):
        raise _refuse_structure(top, op)
    _children(network, top.children, op, journal)


def _children(node: dict[str, Any], children: list[EditNode], op: str, journal: Journal
              ) -> None:
    for child in children:
        child_op = child.op or op
        if isinstance(child.sn, ListNode):
            _entry(node, child, child_op, journal)
        elif isinstance(child.sn, TerminalNode):
            _leaf(node, child, child_op, journal)
        else:
            _container(node, child, child_op, journal)


def _container(holder: dict[str, Any], edit: EditNode, op: str, journal: Journal) -> None:
    member = edit.member
    if member in STRUCTURE_CONTAINERS and op in (*_REMOVING, "replace", "create"):
        raise _refuse_structure(edit, op)
    exists = member in holder
    if _removed(holder, member, edit, op, exists, journal):
        return
    if op == "create" and exists:
        raise RpcError("data-exists", "the container exists already", edit.path)
    if op == "replace" or not exists:  # 'none' too: a non-presence container just is
        journal.set(holder, member, {})
    journal.enter(member)
    _children(holder[member], edit.children, _below(op), journal)
    journal.leave()


def _entry(holder: dict[str, Any], edit: EditNode, op: str, journal: Journal) -> None:
    member, key = edit.member, edit.key
    assert key is not None
    entries = holder.get(member)
    exists = entries is not None and key in entries
    if member in STRUCTURE_LISTS:
        _check_structure_entry(edit, op, exists)
    if op in _REMOVING:
        if not exists and op == "delete":
            raise RpcError("data-missing", "no such list entry to delete", edit.path)
        if exists:
            journal.pop_entry(entries, member, key)
        return
    if op == "create" and exists:
        unit = member not in STRUCTURE_LISTS and not journal.inside_unit()
        raise RpcError("data-exists", "the list entry exists already" + (
            ": the slot is in use on the element" if unit else ""), edit.path,
            app_tag="inventory-mismatch" if unit else None)
    if op == "none" and not exists:
        raise RpcError("data-missing", "no such list entry (default-operation none)",
                       edit.path)
    if entries is None:
        entries = KeyedList()
        journal.set(holder, member, entries)
    if op == "replace" or not exists:
        journal.set_entry(entries, member, key, _key_leaves(edit.sn, key))
    journal.enter(member, key)
    _children(entries[key], edit.children, _below(op), journal)
    journal.leave()


def _leaf(holder: dict[str, Any], edit: EditNode, op: str, journal: Journal) -> None:
    member = edit.member
    exists = member in holder
    if edit.sn.qual_name == ("kind", NETWORK_MODULE):
        _check_kind(holder, edit, op)
    if _removed(holder, member, edit, op, exists, journal):
        return
    if op == "none":
        return  # RFC 6241 7.2: default-operation none leaves what has no operation alone
    if op == "create" and exists:
        raise RpcError("data-exists", "the leaf is set already", edit.path)
    journal.set(holder, member, edit.value)


def _removed(holder: dict[str, Any], member: str, edit: EditNode, op: str, exists: bool,
             journal: Journal) -> bool:
    """Carry out a delete or remove of a container or leaf; True when it was one."""
    if op not in _REMOVING:
        return False
    if op == "delete" and not exists:
        raise RpcError("data-missing", "nothing there to delete", edit.path)
    journal.pop(holder, member)
    return True


def _below(op: str) -> str:
    """The operation the children of a node inherit."""
    return "merge" if op in ("create", "replace") else op


def _key_leaves(sn: SchemaNode, key: tuple[Any, ...]) -> dict[str, Any]:
    assert isinstance(sn, ListNode)
    return {name: value for (name, _), value in zip(sn.keys, key, strict=True)}


def _check_structure_entry(edit: EditNode, op: str, exists: bool) -> None:
    if op in (*_REMOVING, "replace", "create"):
        raise _refuse_structure(edit, op)
    if not exists:
        what = "element" if edit.member == "element" else "PON port"
        where = "the network" if edit.member == "element" else str(edit.path[1].keys[0][1])
        keys = "/".join(str(k) for k in edit.key or ())
        raise RpcError("invalid-value", f"there is no {what} {keys} in {where}", edit.path,
                       app_tag="no-such-" + ("element" if what == "element" else "port"))


def _check_kind(holder: dict[str, Any], edit: EditNode, op: str) -> None:
    if op in _REMOVING:
        raise _refuse_structure(edit, op)
    if op != "none" and edit.value != holder.get("kind"):
        raise RpcError("invalid-value", f"the element is of kind {holder.get('kind')}; an "
                       "element's kind cannot change", edit.path)


def _refuse_structure(edit: EditNode, op: str) -> RpcError:
    return RpcError("operation-not-supported", f"'{op}' on {edit.sn.qual_name[0]}: the "
                    "network's elements and PON ports exist with the network; configure "
                    "what is on them", edit.path)
