"""Subtree filtering (RFC 6241 section 6) of the network's tree, for get and get-config.

In a filter, a leaf with text is a *content match* (the entry is kept only if the leaf
has that value), an empty element a *selection* (everything below it is kept), an element
with children a *containment* node (filtered below). A filter naming a node the model
does not have selects nothing. List entries that are kept keep their keys.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from yangson.schemanode import ListNode, SchemaNode, TerminalNode

from sim.emulate.errors import ROOT, RpcError
from sim.emulate.model import BY_NAMESPACE, NETWORK_MODULE, YangModel
from sim.emulate.tree import KeyedList
from sim.emulate.values import from_xml


def select(model: YangModel, flt: etree._Element | None, network: dict[str, Any]
           ) -> dict[str, Any] | None:
    """What ``flt`` (the ``<filter>`` element; None: no filter) selects of ``network``
    (the content of the network container); None when it selects nothing."""
    if flt is None:
        return network
    out: dict[str, Any] | None = None
    for child in _elements(flt):
        sn = _schema_child(model, model.schema, child)
        if sn is None or sn is not model.top:
            continue  # a filter for a node we do not have selects nothing
        part = _node(model, child, sn, network)
        if part is not None:
            out = part if out is None else union(out, part)
    return out


def element_names(flt: etree._Element | None) -> set[str] | None:
    """The element names a filter matches on (``<element><name>X</name>``), so that only
    their state is looked up; None when it may select any element."""
    if flt is None:
        return None
    ns = "urn:omsim:yang:" + NETWORK_MODULE
    names: set[str] = set()
    for network in flt.iterchildren(f"{{{ns}}}network"):
        if not len(network):
            return None
        for element in network.iterchildren(f"{{{ns}}}element"):
            name = element.find(f"{{{ns}}}name")
            if name is None or not (name.text or "").strip():
                return None
            names.add(name.text.strip())
    return names


def _elements(xml: etree._Element) -> list[etree._Element]:
    return [c for c in xml if isinstance(c.tag, str)]


def _schema_child(model: YangModel, parent: SchemaNode, xml: etree._Element
                  ) -> SchemaNode | None:
    qname = etree.QName(xml)
    module = BY_NAMESPACE.get(qname.namespace or "")
    return None if module is None else model.child(parent, qname.localname, module.name)


def _node(model: YangModel, flt: etree._Element, sn: SchemaNode, node: dict[str, Any]
          ) -> dict[str, Any] | None:
    """RFC 6241 6.2 on one container or list entry ``node`` of schema ``sn``."""
    children = _elements(flt)
    if not children:
        return node  # a selection node: all of it
    matches, selections = [], []
    for child in children:
        csn = _schema_child(model, sn, child)
        if csn is None:
            return None
        if isinstance(csn, TerminalNode) and (child.text or "").strip():
            matches.append((csn, child))
        else:
            selections.append((csn, child))
    out = _content_matches(matches, node)
    if out is None:
        return None
    if not selections:
        return node  # all content matches hold: the whole entry
    if isinstance(sn, ListNode):  # a kept entry keeps its keys
        out.update({n: node[n] for n, _ in sn.keys if n in node})
    found = [_selected(model, csn, child, node) for csn, child in selections]
    for csn, value in zip((s for s, _ in selections), found, strict=True):
        if value is not None:
            out[csn.iname()] = union(out[csn.iname()], value) if csn.iname() in out else value
    return out if matches or any(v is not None for v in found) else None


def _content_matches(matches: list[tuple[SchemaNode, etree._Element]], node: dict[str, Any]
                     ) -> dict[str, Any] | None:
    out = {}
    for csn, child in matches:
        assert isinstance(csn, TerminalNode)
        try:
            want = from_xml(child, csn, ROOT)
        except RpcError:
            return None  # a value the leaf can never have matches nothing
        if node.get(csn.iname()) != want:
            return None
        out[csn.iname()] = want
    return out


def _selected(model: YangModel, sn: SchemaNode, flt: etree._Element, node: dict[str, Any]
              ) -> Any:
    value = node.get(sn.iname())
    if value is None or isinstance(sn, TerminalNode):
        return value
    if isinstance(sn, ListNode):
        kept = KeyedList()
        for key, entry in value.items():
            part = _node(model, flt, sn, entry)
            if part is not None:
                kept[key] = part
        return kept or None
    return _node(model, flt, sn, value)


def union(a: Any, b: Any) -> Any:
    """Two selections of the same node, merged."""
    if isinstance(a, KeyedList) and isinstance(b, KeyedList):
        out = KeyedList(a)
        for key, entry in b.items():
            out[key] = union(out[key], entry) if key in out else entry
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        merged = dict(a)
        for member, value in b.items():
            merged[member] = union(merged[member], value) if member in merged else value
        return merged
    return b
