"""A NETCONF ``<config>`` (edit-config, RFC 6241 section 7.2) read into an edit.

Each element is resolved against the schema by its namespace and local name; a node the
model does not have is ``unknown-element`` (``unknown-namespace`` for a namespace it does
not know), state data is refused, leaf values are checked against their types, and an
``nc:operation`` attribute is taken where it is set.
"""

from __future__ import annotations

from lxml import etree
from yangson.schemanode import ListNode, SchemaNode, TerminalNode

from sim.emulate.edit import OPERATIONS, EditNode
from sim.emulate.errors import ROOT, NodePath, RpcError
from sim.emulate.model import BY_NAMESPACE, YangModel
from sim.emulate.values import from_xml, key_text

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
_OPERATION = f"{{{NC}}}operation"


def read_config(model: YangModel, config: etree._Element) -> list[EditNode]:
    """The edits of one ``<config>``: one per top-level ``network`` element in it."""
    return [_node(model, xml, sn, ROOT) for xml, sn in _children(model, config, model.schema,
                                                                 ROOT)]


def _children(model: YangModel, xml: etree._Element, parent: SchemaNode, path: NodePath
              ) -> list[tuple[etree._Element, SchemaNode]]:
    out = []
    for child in xml:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        qname = etree.QName(child)
        module = BY_NAMESPACE.get(qname.namespace or "")
        if module is None:
            raise RpcError("unknown-namespace", f"no YANG module has the namespace "
                           f"{qname.namespace!r}", path, error_type="protocol",
                           info={"bad-element": qname.localname,
                                 "bad-namespace": qname.namespace or ""})
        sn = model.child(parent, qname.localname, module.name)
        if sn is None:
            raise RpcError("unknown-element", f"{module.name} has no node "
                           f"{qname.localname} here", path,
                           info={"bad-element": qname.localname})
        if not sn.config:
            raise RpcError("invalid-value", f"{qname.localname} is state data (config "
                           "false) and cannot be edited",
                           path.child(module.name, qname.localname),
                           info={"bad-element": qname.localname})
        out.append((child, sn))
    return out


def _node(model: YangModel, xml: etree._Element, sn: SchemaNode, parent: NodePath
          ) -> EditNode:
    name, module = sn.qual_name
    op = _operation(xml, parent.child(module, name))
    if isinstance(sn, ListNode):
        return _entry(model, xml, sn, parent, op)
    path = parent.child(module, name)
    if isinstance(sn, TerminalNode):
        empty = not (xml.text or "").strip()
        value = None if op in ("delete", "remove") and empty else from_xml(xml, sn, path)
        return EditNode(sn, path, op, value=value)
    children = [_node(model, x, s, path) for x, s in _children(model, xml, sn, path)]
    return EditNode(sn, path, op, children=children)


def _entry(model: YangModel, xml: etree._Element, sn: ListNode, parent: NodePath,
           op: str | None) -> EditNode:
    name, module = sn.qual_name
    listed = _children(model, xml, sn, parent.child(module, name))
    by_name = {s.qual_name: x for x, s in listed}
    key, texts = [], []
    for kname, kmodule in sn.keys:
        kxml = by_name.get((kname, kmodule))
        if kxml is None:
            raise RpcError("missing-element", f"a {name} entry needs its key {kname}",
                           parent.child(module, name), error_type="protocol",
                           info={"bad-element": kname})
        ksn = sn.get_child(kname, kmodule)
        assert isinstance(ksn, TerminalNode)
        value = from_xml(kxml, ksn, parent.child(module, name).child(kmodule, kname))
        key.append(value)
        texts.append((kname, key_text(value)))
    path = parent.child(module, name, tuple(texts))
    keys = set(sn.keys)
    children = [_node(model, x, s, path) for x, s in listed if s.qual_name not in keys]
    return EditNode(sn, path, op, key=tuple(key), children=children)


def _operation(xml: etree._Element, path: NodePath) -> str | None:
    op = xml.get(_OPERATION)
    if op is not None and op not in OPERATIONS:
        raise RpcError("bad-attribute", f"operation {op!r} is not one of "
                       f"{', '.join(OPERATIONS)}", path, error_type="rpc",
                       info={"bad-attribute": "operation",
                             "bad-element": etree.QName(xml).localname})
    return op
