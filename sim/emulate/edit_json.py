"""A RESTCONF request (RFC 8040) read into an edit: the api-path of its target resource
and its RFC 7951 JSON body.

The api-path (``/omsim-network:network/element=EX01-OLT01/omsim-olt:olt/pon-port=1,2``)
is resolved step by step against the schema; keys are percent-decoded and checked
against their types. PUT replaces the target, PATCH merges into it, DELETE deletes it and
POST creates the one child its body holds; every node above the target only leads to it
(operation ``none``: a list entry on the way must exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from yangson.schemanode import InternalNode, ListNode, SchemaNode, TerminalNode

from sim.emulate.edit import EditNode
from sim.emulate.errors import ROOT, NodePath, RpcError
from sim.emulate.model import YangModel
from sim.emulate.values import from_json, from_text, key_text

OPERATION_OF = {"PUT": "replace", "PATCH": "merge", "DELETE": "delete", "POST": "create"}


@dataclass(frozen=True, slots=True)
class Resource:
    """One step of a resolved api-path: the schema node and, for a list, the entry key."""

    sn: SchemaNode
    key: tuple[Any, ...] | None
    path: NodePath

    @property
    def member(self) -> str:
        return self.sn.iname()


def resolve(model: YangModel, segments: list[str]) -> list[Resource]:
    """RFC 8040 section 3.5.3: the raw (still percent-encoded) segments of an api-path."""
    out: list[Resource] = []
    sn: SchemaNode = model.schema
    module: str | None = None
    path = ROOT
    for segment in segments:
        name, has_keys, keys = segment.partition("=")
        mod, _, local = unquote(name).rpartition(":")
        if not mod and module is None:
            raise RpcError("invalid-value", f"the first step {local!r} must name its module "
                           "(module:node)", path, error_type="protocol")
        child = model.child(sn, local, mod or module or "")
        if child is None:
            raise RpcError("invalid-value", f"no resource {unquote(name)!r} here",
                           path.child(mod or module or "", local), error_type="protocol")
        module = child.qual_name[1]
        key, path = _step_key(child, has_keys, keys, path)
        out.append(Resource(child, key, path))
        sn = child
    return out


def _step_key(sn: SchemaNode, has_keys: str, keys: str, parent: NodePath
              ) -> tuple[tuple[Any, ...] | None, NodePath]:
    name, module = sn.qual_name
    if not isinstance(sn, ListNode):
        if has_keys:
            raise RpcError("invalid-value", f"{name} is not a list: no key after '='",
                           parent.child(module, name), error_type="protocol")
        return None, parent.child(module, name)
    texts = [unquote(v) for v in keys.split(",")] if has_keys else []
    if len(texts) != len(sn.keys):
        raise RpcError("invalid-value", f"a {name} entry is named by {len(sn.keys)} key "
                       f"value(s) ({name}={','.join(k for k, _ in sn.keys)}), got "
                       f"{len(texts)}", parent.child(module, name), error_type="protocol")
    values = []
    for (kname, kmodule), text in zip(sn.keys, texts, strict=True):
        ksn = sn.get_child(kname, kmodule)
        assert isinstance(ksn, TerminalNode)
        values.append(from_text(text, ksn, parent.child(module, name).child(kmodule, kname)))
    named = tuple((k, key_text(v)) for (k, _), v in zip(sn.keys, values, strict=True))
    return tuple(values), parent.child(module, name, named)


def segment_of(resource: Resource) -> str:
    """The api-path segment naming ``resource`` (for a Location header)."""
    name, module = resource.sn.qual_name
    parent = resource.sn.parent
    qualified = parent is None or getattr(parent, "qual_name", (None, module))[1] != module
    text = f"{module}:{name}" if qualified else name
    if resource.key is not None:
        text += "=" + ",".join(quote(key_text(v), safe="") for v in resource.key)
    return text


def build(model: YangModel, target: list[Resource], method: str, body: Any
          ) -> tuple[EditNode, Resource]:
    """The edit a write request asks for, and the resource it writes (for POST, the
    child created below the target)."""
    op = OPERATION_OF[method]
    if not target:
        raise RpcError("operation-not-supported", "the datastore as a whole cannot be "
                       "written; write below omsim-network:network", ROOT,
                       error_type="protocol")
    if method == "POST":
        written = _posted_child(model, target[-1], body)
        chain = [*target, written]
    else:
        written, chain = target[-1], target
    if not written.sn.config:
        raise RpcError("invalid-value", f"{written.sn.qual_name[0]} is state data (config "
                       "false): it is read, never written", written.path,
                       error_type="protocol", http_status=405)
    if method == "DELETE":
        leaf = EditNode(written.sn, written.path, op, key=written.key)
    else:
        leaf = _from_body(model, written, body, op, method)
    return _wrap(chain[:-1], leaf), written


def _wrap(ancestors: list[Resource], node: EditNode) -> EditNode:
    """``node`` with the nodes that lead to it (operation none) above it."""
    for resource in reversed(ancestors):
        node = EditNode(resource.sn, resource.path, "none", key=resource.key,
                        children=[node])
    return node


def _posted_child(model: YangModel, parent: Resource, body: Any) -> Resource:
    if not isinstance(body, dict) or len(body) != 1:
        raise RpcError("malformed-message", "a POST body holds exactly one child to create",
                       parent.path, error_type="protocol")
    (member, value), = body.items()
    sn = model.child_by_member(parent.sn, member, parent.sn.qual_name[1])
    if sn is None or not sn.config:
        raise RpcError("unknown-element", f"{member} cannot be created here", parent.path,
                       info={"bad-element": member})
    name, module = sn.qual_name
    if not isinstance(sn, ListNode):
        return Resource(sn, None, parent.path.child(module, name))
    entry = _one_entry(value, name, parent.path.child(module, name))
    key = _body_key(sn, entry, parent.path.child(module, name))
    named = tuple((k, key_text(v)) for (k, _), v in zip(sn.keys, key, strict=True))
    return Resource(sn, key, parent.path.child(module, name, named))


def _from_body(model: YangModel, resource: Resource, body: Any, op: str, method: str
               ) -> EditNode:
    """The target's node from a PUT, PATCH or POST body ``{"module:name": value}``."""
    sn = resource.sn
    name, module = sn.qual_name
    if not isinstance(body, dict) or len(body) != 1:
        raise RpcError("malformed-message", f"the body must hold exactly the resource "
                       f"written, as {{\"{module}:{name}\": ...}}", resource.path,
                       error_type="protocol")
    (member, value), = body.items()
    if member.rpartition(":")[2] != name or (":" in member and
                                             member.partition(":")[0] != module):
        raise RpcError("invalid-value", f"the body holds {member}, not {module}:{name}",
                       resource.path, error_type="protocol")
    if isinstance(sn, ListNode):
        value = _one_entry(value, name, resource.path)
        given = _body_key(sn, value, resource.path, partial=True)
        if given is None and method == "PUT":
            raise RpcError("missing-element", f"a PUT of a {name} entry holds its key "
                           "values", resource.path, error_type="protocol")
        if given is not None and given != resource.key:
            raise RpcError("invalid-value", "the key values in the body differ from the "
                           "URI's", resource.path, error_type="protocol")
        assert resource.key is not None
        value = {**value, **{k: v for (k, _), v in zip(sn.keys, resource.key, strict=True)}}
    node = value_node(model, sn, value, resource.path)
    node.op = op
    return node


def value_node(model: YangModel, sn: SchemaNode, raw: Any, path: NodePath) -> EditNode:
    """The edit node of one JSON value: a list entry, a container or a leaf."""
    if isinstance(sn, TerminalNode):
        return EditNode(sn, path, value=from_json(raw, sn, path))
    if not isinstance(raw, dict):
        raise RpcError("invalid-value", f"{sn.qual_name[0]} must be a JSON object", path)
    key = None
    if isinstance(sn, ListNode):
        key = _body_key(sn, raw, path)
    return EditNode(sn, path, key=key, children=_members(model, sn, raw, path))


def _members(model: YangModel, sn: SchemaNode, raw: dict[str, Any], path: NodePath
             ) -> list[EditNode]:
    assert isinstance(sn, InternalNode)
    keys = set(sn.keys) if isinstance(sn, ListNode) else set()
    out = []
    for member, value in raw.items():
        child = model.child_by_member(sn, member, sn.qual_name[1])
        if child is None:
            raise RpcError("unknown-element", f"no member {member} here", path,
                           info={"bad-element": member})
        name, module = child.qual_name
        if not child.config:
            raise RpcError("invalid-value", f"{member} is state data (config false) and "
                           "cannot be edited", path.child(module, name))
        if child.qual_name in keys:
            continue
        if isinstance(child, ListNode):
            if not isinstance(value, list):
                raise RpcError("invalid-value", f"{member} is a list: a JSON array",
                               path.child(module, name))
            out.extend(_list_entry(model, child, item, path) for item in value)
        else:
            out.append(value_node(model, child, value, path.child(module, name)))
    return out


def _list_entry(model: YangModel, sn: ListNode, raw: Any, parent: NodePath) -> EditNode:
    name, module = sn.qual_name
    if not isinstance(raw, dict):
        raise RpcError("invalid-value", f"a {name} entry is a JSON object",
                       parent.child(module, name))
    key = _body_key(sn, raw, parent.child(module, name))
    named = tuple((k, key_text(v)) for (k, _), v in zip(sn.keys, key, strict=True))
    return value_node(model, sn, raw, parent.child(module, name, named))


def _one_entry(value: Any, name: str, path: NodePath) -> dict[str, Any]:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, dict):
        raise RpcError("malformed-message", f"expected one {name} entry (a JSON object, or "
                       "an array of one)", path, error_type="protocol")
    return value


def _body_key(sn: ListNode, raw: dict[str, Any], path: NodePath, partial: bool = False
              ) -> tuple[Any, ...] | None:
    values = []
    for kname, kmodule in sn.keys:
        member = kname if kname in raw else f"{kmodule}:{kname}"
        if member not in raw:
            if partial:
                return None
            raise RpcError("missing-element", f"a {sn.qual_name[0]} entry needs its key "
                           f"{kname}", path, error_type="protocol", info={"bad-element": kname})
        ksn = sn.get_child(kname, kmodule)
        assert isinstance(ksn, TerminalNode)
        values.append(from_json(raw[member], ksn, path.child(kmodule, kname)))
    return tuple(values)
