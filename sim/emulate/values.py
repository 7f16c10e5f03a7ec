"""Leaf values in, checked against their YANG type: from NETCONF XML text, from an
RFC 7951 JSON value, or from a RESTCONF key in a URI. Each gives the value as it is kept
in the tree (its RFC 7951 JSON form) or raises ``invalid-value`` naming the leaf.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from yangson.datatype import DataType, IdentityrefType
from yangson.schemanode import TerminalNode

from sim.emulate.errors import NodePath, RpcError
from sim.emulate.model import BY_NAMESPACE


def from_xml(xml: etree._Element, sn: TerminalNode, path: NodePath) -> Any:
    """The value of a leaf element of an edit-config or a filter."""
    text = (xml.text or "").strip()
    if isinstance(sn.type, IdentityrefType):
        prefix, _, name = text.rpartition(":")
        module = BY_NAMESPACE.get(xml.nsmap.get(prefix or None, ""))
        cooked = (name, module.name) if module is not None and name else None
        return _checked(text, cooked, sn.type, path)
    return _checked(text, sn.type.parse_value(text), sn.type, path)


def from_json(raw: Any, sn: TerminalNode, path: NodePath) -> Any:
    """The value of a leaf member of a RESTCONF body."""
    try:
        cooked = sn.type.from_raw(raw)
    except (TypeError, ValueError, AttributeError):  # yangson on JSON of the wrong shape
        cooked = None
    return _checked(raw, cooked, sn.type, path)


def from_text(text: str, sn: TerminalNode, path: NodePath) -> Any:
    """The value of a list key written in a RESTCONF URI (already percent-decoded)."""
    return _checked(text, sn.type.parse_value(text), sn.type, path)


def _checked(given: Any, cooked: Any, dtype: DataType, path: NodePath) -> Any:
    if cooked is None or cooked not in dtype:
        reason = getattr(dtype, "error_message", None)
        what = dtype.name or dtype.yang_type()
        raise RpcError("invalid-value", f"{given!r} is not a valid value of type {what}"
                       + (f" ({reason})" if reason and cooked is not None else ""), path)
    return dtype.to_raw(cooked)


def key_text(value: Any) -> str:
    """A key value as text (for paths and URIs)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
