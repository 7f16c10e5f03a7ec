"""The network's tree written out: as NETCONF XML under ``<data>``, or as an RFC 7951 JSON
document for one RESTCONF resource.

XML follows the schema: each node in its module's namespace (declared where the module
changes), list keys first (RFC 7950 section 7.8.5), identities as ``prefix:name`` with
the prefix declared on the leaf. Empty containers are left out.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from yangson.datatype import IdentityrefType
from yangson.schemanode import InternalNode, ListNode, SchemaNode, TerminalNode

from sim.emulate.model import BY_NAME, YangModel
from sim.emulate.tree import KeyedList, to_raw


def to_xml(model: YangModel, network: dict[str, Any] | None, data: etree._Element) -> None:
    """Write the ``network`` container's content (None: nothing) under ``data``."""
    if network is not None and _has_content(network):
        _write(model, model.top, network, data, None)


def _write(model: YangModel, sn: SchemaNode, value: Any, parent: etree._Element,
           parent_module: str | None) -> None:
    name, module = sn.qual_name
    namespace = BY_NAME[module].namespace
    nsmap = None if module == parent_module else {None: namespace}
    tag = f"{{{namespace}}}{name}"
    if isinstance(sn, ListNode):
        for entry in value.values():
            el = etree.SubElement(parent, tag, nsmap=nsmap)
            _write_members(model, sn, entry, el, module, first=[k for k, _ in sn.keys])
    elif isinstance(sn, TerminalNode):
        _write_leaf(sn, value, parent, tag, nsmap)
    elif _has_content(value):
        el = etree.SubElement(parent, tag, nsmap=nsmap)
        _write_members(model, sn, value, el, module, first=[])


def _write_members(model: YangModel, sn: SchemaNode, node: dict[str, Any],
                   el: etree._Element, module: str, first: list[str]) -> None:
    for member in sorted(node, key=lambda m: m not in first):  # keys first, else as kept
        child = model.child_by_member(sn, member, module)
        if child is not None:
            _write(model, child, node[member], el, module)


def _write_leaf(sn: TerminalNode, value: Any, parent: etree._Element, tag: str,
                nsmap: dict[Any, str] | None) -> None:
    if isinstance(sn.type, IdentityrefType):
        module, _, identity = str(value).rpartition(":")
        declared = BY_NAME[module]
        el = etree.SubElement(parent, tag, nsmap={**(nsmap or {}),
                                                  declared.prefix: declared.namespace})
        el.text = f"{declared.prefix}:{identity}"
        return
    el = etree.SubElement(parent, tag, nsmap=nsmap)
    el.text = ("true" if value else "false") if isinstance(value, bool) else str(value)


def _has_content(node: Any) -> bool:
    """False for a container with nothing in it (at any depth)."""
    if isinstance(node, KeyedList):
        return bool(node)
    if isinstance(node, dict):
        return any(_has_content(v) for v in node.values())
    return True


def resource_json(sn: SchemaNode, value: Any, keyed: bool) -> dict[str, Any]:
    """The RFC 8040 body of one resource: ``{"module:name": value}``, a list entry as an
    array of one, empty containers and lists left out."""
    name, module = sn.qual_name
    raw = _pruned(to_raw(value)) if isinstance(sn, InternalNode) else value
    return {f"{module}:{name}": [raw] if keyed else raw}


def _pruned(raw: Any) -> Any:
    if isinstance(raw, dict):
        out = {k: _pruned(v) for k, v in raw.items()}
        return {k: v for k, v in out.items() if v != {} and v != []}
    if isinstance(raw, list):
        return [_pruned(v) for v in raw]
    return raw


def state_only(model: YangModel, sn: SchemaNode, node: Any) -> Any:
    """Only the state data (config false) of a resource, with the keys that locate it;
    None when it has none."""
    if isinstance(node, KeyedList):
        kept = KeyedList((k, v) for k, v in ((k, state_only(model, sn, e))
                                             for k, e in node.items()) if v)
        return kept or None
    if not isinstance(node, dict) or not isinstance(sn, InternalNode):
        return node if not sn.config else None
    out: dict[str, Any] = {}
    for member, value in node.items():
        child = model.child_by_member(sn, member, sn.qual_name[1])
        if child is None:
            continue
        kept = value if not child.config else (
            state_only(model, child, value) if isinstance(child, InternalNode) else None)
        if kept is not None:
            out[member] = kept
    if out and isinstance(sn, ListNode):
        out.update({k: node[k] for k, _ in sn.keys if k in node})
    return out or None
