"""The YANG data model of the emulated network: the modules shipped in ``yang/``, loaded
once with yangson, and what the protocols say about them.

The modules (all YANG 1.1, revision 2026-12-01) put every element of the network in one
list, ``omsim-network:network/element[name]``; each element kind's module augments the
entry with its configuration, present only for its kind (the layout NSO uses for its
device tree). ``ietf-inet-types`` (RFC 6991) is vendored next to them for the IPv4
address type. The same module list feeds the NETCONF hello, RESTCONF's
``ietf-yang-library`` (RFC 8525, and RFC 7895's ``modules-state`` that yangson reads) and
the validation of every edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from yangson import DataModel
from yangson.enumerations import ContentType
from yangson.exceptions import YangsonException
from yangson.schemanode import InternalNode, SchemaNode

REVISION = "2026-12-01"
MODULE_SET_ID = f"omsim-{REVISION}"
NETWORK_MODULE = "omsim-network"
TOP = f"{NETWORK_MODULE}:network"  # the RFC 7951 member name of the datastore's root


@dataclass(frozen=True, slots=True)
class Module:
    """One YANG module of the data model: ``implement`` (data) or ``import`` (types)."""

    name: str
    revision: str
    namespace: str
    prefix: str
    conformance: str = "implement"


MODULES = (
    Module(NETWORK_MODULE, REVISION, "urn:omsim:yang:omsim-network", "omn"),
    Module("omsim-types", REVISION, "urn:omsim:yang:omsim-types", "omt", "import"),
    Module("omsim-olt", REVISION, "urn:omsim:yang:omsim-olt", "omolt"),
    Module("omsim-bng", REVISION, "urn:omsim:yang:omsim-bng", "ombng"),
    Module("omsim-dhcp", REVISION, "urn:omsim:yang:omsim-dhcp", "omdhcp"),
    Module("omsim-voice", REVISION, "urn:omsim:yang:omsim-voice", "omvoice"),
    Module("omsim-acs", REVISION, "urn:omsim:yang:omsim-acs", "omacs"),
    Module("ietf-inet-types", "2013-07-15", "urn:ietf:params:xml:ns:yang:ietf-inet-types",
           "inet", "import"),
)
BY_NAME = {m.name: m for m in MODULES}
BY_NAMESPACE = {m.namespace: m for m in MODULES}


def yang_dir() -> str:
    """The directory of the shipped ``.yang`` files (package data)."""
    return str(files("sim.emulate") / "yang")


def modules_state() -> dict[str, Any]:
    """RFC 7895 ``ietf-yang-library:modules-state`` (what yangson reads)."""
    return {"ietf-yang-library:modules-state": {
        "module-set-id": MODULE_SET_ID,
        "module": [{"name": m.name, "revision": m.revision, "namespace": m.namespace,
                    "conformance-type": m.conformance} for m in MODULES]}}


def yang_library() -> dict[str, Any]:
    """RFC 8525 ``ietf-yang-library:yang-library`` (NMDA) of the same modules."""
    def entries(conformance: str) -> list[dict[str, str]]:
        return [{"name": m.name, "revision": m.revision, "namespace": m.namespace}
                for m in MODULES if m.conformance == conformance]
    return {"ietf-yang-library:yang-library": {
        "module-set": [{"name": "omsim", "module": entries("implement"),
                        "import-only-module": entries("import")}],
        "schema": [{"name": "omsim-schema", "module-set": ["omsim"]}],
        "datastore": [{"name": "ietf-datastores:running", "schema": "omsim-schema"},
                      {"name": "ietf-datastores:operational", "schema": "omsim-schema"}],
        "content-id": MODULE_SET_ID}}


def module_capabilities() -> list[str]:
    """The NETCONF hello's module capabilities (RFC 6020 section 5.6.4 form)."""
    return [f"{m.namespace}?module={m.name}&revision={m.revision}"
            for m in MODULES if m.conformance == "implement"]


class Invalid(Exception):
    """An instance that does not conform to the model: the NETCONF error-tag, the
    RFC 7951 instance path of the offending node, the reason, and the RFC 7950
    error-app-tag when the YANG statement has one (``data-not-unique``, ...)."""

    def __init__(self, tag: str, path: str, message: str, app_tag: str | None = None
                 ) -> None:
        super().__init__(f"{tag} at {path}: {message}")
        self.tag, self.path, self.message, self.app_tag = tag, path, message, app_tag


class YangModel:
    """The data model, built once per process (about 0.1 s)."""

    def __init__(self) -> None:
        self.dm = DataModel(json.dumps(modules_state()), [yang_dir()])
        self.schema: InternalNode = self.dm.schema
        top = self.schema.get_data_child("network", NETWORK_MODULE)
        assert isinstance(top, InternalNode)
        self.top = top

    @staticmethod
    def child(parent: SchemaNode, name: str, module: str) -> SchemaNode | None:
        """The data child ``module:name`` of ``parent`` (None: no such node)."""
        if not isinstance(parent, InternalNode):
            return None
        return parent.get_data_child(name, module)

    def child_by_member(self, parent: SchemaNode, member: str, parent_module: str
                        ) -> SchemaNode | None:
        """The child named by an RFC 7951 member name (``module:name``, or ``name`` in
        the parent's module)."""
        module, _, name = member.rpartition(":")
        return self.child(parent, name, module or parent_module)

    def validate(self, raw: dict[str, Any]) -> None:
        """Validate an RFC 7951 instance (all of it, or the part an edit reached) as
        configuration; raise :class:`Invalid` naming the path."""
        try:
            instance = self.dm.from_raw(raw)
            instance.validate(ctype=ContentType.config)
        except YangsonException as exc:
            raise invalid(exc) from None


# yangson's validation tags (RFC 7950 error-app-tags where one exists) -> NETCONF error-tag.
_TAGS = {
    "invalid-type": "invalid-value",          # type, range, length, pattern
    "missing-data": "missing-element",        # a mandatory leaf or a list key is absent
    "member-not-allowed": "unknown-element",  # RFC 7950 8.3.2: a node whose 'when' is false
    "data-not-unique": "operation-failed",    # RFC 7950 15.1
    "too-many-elements": "operation-failed",  # RFC 7950 15.2
    "too-few-elements": "operation-failed",   # RFC 7950 15.3
    "must-violation": "operation-failed",     # RFC 7950 15.4
    "instance-required": "data-missing",      # RFC 7950 15.5
    "missing-choice": "data-missing",         # RFC 7950 15.6
}
_APP_TAGS = {"data-not-unique", "too-many-elements", "too-few-elements", "must-violation",
             "instance-required", "missing-choice"}


def invalid(exc: YangsonException) -> Invalid:
    """The :class:`Invalid` a yangson exception stands for."""
    tag = getattr(exc, "tag", None)
    if tag:
        tag = tag.split()[-1]  # yangson prefixes some tags with the content type
    instance = getattr(exc, "instance", None)
    path = str(instance.instance_route()) if instance is not None else ""
    path = path.replace('"', "'")
    message = getattr(exc, "message", None) or str(exc)
    if tag == "member-not-allowed" and message:
        path = f"{path}/{message}"
    if tag is None:  # raw-data errors: an unknown member, a value of the wrong JSON type
        error_tag = "unknown-element" if "Member" in type(exc).__name__ else "invalid-value"
    else:
        error_tag = _TAGS.get(tag, "invalid-value")
    return Invalid(error_tag, path, f"{tag}: {message}" if tag else message,
                   tag if tag in _APP_TAGS else None)
