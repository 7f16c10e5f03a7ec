"""NETCONF rpcs (RFC 6241 section 7) on the network's ``running`` datastore, and the
replies they give.

Operations: ``get`` and ``get-config`` (subtree filters; ``get`` adds operational state),
``edit-config`` (merge, replace, create, delete, remove; ``default-operation``;
``test-option test-only``; all or nothing, hence ``:rollback-on-error``), ``validate``
(``:validate``: of running, always valid, or of a ``<config>``, as a test-only edit),
``lock``, ``unlock``, ``close-session``, ``kill-session``. Anything else is
``operation-not-supported``. Every refusal is an ``rpc-error`` with error-type, tag,
severity, app-tag, path and message (and error-info where RFC 6241 has one); every
attribute of the ``<rpc>`` is echoed on its ``<rpc-reply>`` (section 4.2).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from lxml import etree

from sim.emulate.edit import apply, elements_of
from sim.emulate.edit_xml import NC, read_config
from sim.emulate.errors import RpcError, protocol_error
from sim.emulate.render import to_xml
from sim.emulate.subtree import element_names, select
from sim.emulate.xmlsafe import MalformedXml, parse

if TYPE_CHECKING:
    from sim.emulate.activity import WireActivity
    from sim.emulate.emulator import Emulator

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class NetconfSession(Protocol):
    """What an rpc needs of the session it came on (:mod:`sim.emulate.netconf`)."""

    id: int
    close_after_reply: bool  # close-session: end the session once this reply is sent

    @property
    def emulator(self) -> Emulator: ...

    def peer(self, session_id: int) -> NetconfSession | None:
        """The live session ``session_id`` of the same server (None: no such session)."""

    def kill(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Late:
    """A lost answer: ``reply`` (a body, then the message) is due ``after_s`` simulated
    seconds from now; the session answers its next rpcs meanwhile."""

    reply: Any
    after_s: float


async def answer(session: NetconfSession, message: bytes) -> bytes | Late:
    """The framed-to-be reply to one message of ``session``, or a :class:`Late` one.
    Each rpc and rpc-error is counted in the emulator's wire activity."""
    activity = session.emulator.activity
    try:
        rpc = parse(message)
    except MalformedXml as exc:
        return _refused(activity, {}, RpcError("malformed-message", str(exc),
                                               error_type="rpc"))
    if etree.QName(rpc).text != f"{{{NC}}}rpc":
        return _refused(activity, {}, RpcError(
            "unknown-element", f"expected an rpc, got {etree.QName(rpc).localname}",
            error_type="protocol", info={"bad-element": etree.QName(rpc).localname}))
    attrs = dict(rpc.attrib)
    if "message-id" not in attrs:
        return _refused(activity, {}, RpcError(
            "missing-attribute", "an rpc needs a message-id", error_type="rpc",
            info={"bad-attribute": "message-id", "bad-element": "rpc"}))
    try:
        body = await _operation(session, rpc)
    except RpcError as exc:
        return _refused(activity, attrs, exc)
    if isinstance(body, Late):
        return Late(reply(attrs, body.reply), body.after_s)
    return reply(attrs, body)


async def _operation(session: NetconfSession, rpc: etree._Element
                     ) -> list[etree._Element] | Late:
    ops = [c for c in rpc if isinstance(c.tag, str)]
    if len(ops) != 1:
        raise protocol_error("malformed-message" if ops else "missing-element",
                             "an rpc holds exactly one operation")
    op = ops[0]
    qname = etree.QName(op)
    session.emulator.activity.netconf_rpc(qname.localname)
    handler = OPERATIONS.get(qname.localname) if qname.namespace == NC else None
    if handler is None:
        raise protocol_error("operation-not-supported", f"operation {qname.localname} is "
                             "not supported", bad_element=qname.localname)
    return await handler(session, op)


# -- operations ------------------------------------------------------------------------------
async def _get(session: NetconfSession, op: etree._Element) -> list[etree._Element]:
    return [_data(session, _filter(op), state=True)]


async def _get_config(session: NetconfSession, op: etree._Element) -> list[etree._Element]:
    _running(op, "source")
    return [_data(session, _filter(op), state=False)]


def _data(session: NetconfSession, flt: etree._Element | None, state: bool
          ) -> etree._Element:
    emulator = session.emulator
    view = emulator.read(state, element_names(flt))
    data = etree.Element(f"{{{NC}}}data")
    to_xml(emulator.model, select(emulator.model, flt, view), data)
    return data


async def _edit_config(session: NetconfSession, op: etree._Element
                       ) -> list[etree._Element] | Late:
    _running(op, "target")
    default_op = _choice(op, "default-operation", ("merge", "replace", "none"), "merge")
    test = _choice(op, "test-option", ("test-then-set", "set", "test-only"), "test-then-set")
    if _choice(op, "error-option", ("stop-on-error", "rollback-on-error",
                                    "continue-on-error"), "stop-on-error") \
            == "continue-on-error":
        raise protocol_error("operation-not-supported", "an edit is all or nothing here: "
                             "use stop-on-error or rollback-on-error",
                             bad_element="error-option")
    config = _find(op, "config")
    if config is None:
        raise protocol_error("missing-element", "edit-config needs a config (url is not "
                             "supported)", bad_element="config")
    return await _edit(session, config, default_op, test == "test-only")


async def _edit(session: NetconfSession, config: etree._Element, default_op: str,
                test_only: bool) -> list[etree._Element] | Late:
    emulator = session.emulator
    edits = read_config(emulator.model, config)
    names = [name for top in edits for name in elements_of(top)]

    def apply_all(journal: Any) -> None:
        for top in edits:
            apply(emulator.datastore.network, top, default_op, journal)
    answer = await emulator.configure(names, apply_all, session.id, test_only)
    return [_ok()] if answer.late_s is None else Late([_ok()], answer.late_s)


async def _validate(session: NetconfSession, op: etree._Element
                    ) -> list[etree._Element] | Late:
    source = _find(op, "source")
    config = _find(source, "config") if source is not None else None
    if config is None:
        _running(op, "source")  # running is valid by construction
        return [_ok()]
    return await _edit(session, config, "merge", test_only=True)


async def _lock(session: NetconfSession, op: etree._Element) -> list[etree._Element]:
    _running(op, "target")
    emulator = session.emulator
    if emulator.lock_owner is not None:
        raise protocol_error("lock-denied", "the running datastore is locked already",
                             session_id=str(emulator.lock_owner))
    emulator.lock_owner = session.id
    return [_ok()]


async def _unlock(session: NetconfSession, op: etree._Element) -> list[etree._Element]:
    _running(op, "target")
    emulator = session.emulator
    if emulator.lock_owner != session.id:
        raise protocol_error("operation-failed", "this session does not hold the lock")
    emulator.lock_owner = None
    return [_ok()]


async def _close_session(session: NetconfSession, op: etree._Element
                         ) -> list[etree._Element]:
    session.close_after_reply = True
    return [_ok()]


async def _kill_session(session: NetconfSession, op: etree._Element) -> list[etree._Element]:
    found = _find(op, "session-id")
    text = (found.text or "").strip() if found is not None else ""
    if not text.isdigit():
        raise protocol_error("missing-element" if not text else "invalid-value",
                             "kill-session needs the session-id of another session",
                             bad_element="session-id")
    victim = session.peer(int(text))
    if victim is None or victim is session:
        raise protocol_error("invalid-value", f"no other session {text} to kill",
                             bad_element="session-id")
    victim.kill()
    return [_ok()]


OPERATIONS: dict[str, Callable[[NetconfSession, etree._Element],
                               Awaitable[list[etree._Element] | Late]]] = {
    "get": _get, "get-config": _get_config, "edit-config": _edit_config,
    "validate": _validate, "lock": _lock,
    "unlock": _unlock, "close-session": _close_session, "kill-session": _kill_session}


# -- parameters -----------------------------------------------------------------------------
def _find(op: etree._Element, name: str) -> etree._Element | None:
    """The parameter ``name`` of an operation, in the base namespace or in none (some
    clients, ncclient among them, send ``<config>`` unqualified)."""
    found = op.find(f"{{{NC}}}{name}")
    return found if found is not None else op.find(name)


def _running(op: etree._Element, which: str) -> None:
    holder = _find(op, which)
    stores = [c for c in holder if isinstance(c.tag, str)] if holder is not None else []
    if len(stores) != 1:
        raise protocol_error("missing-element", f"{which} must name one datastore",
                             bad_element=which)
    name = etree.QName(stores[0]).localname
    if name != "running":
        raise protocol_error("operation-not-supported", f"datastore {name} is not "
                             "supported: there is only running", bad_element=name)


def _filter(op: etree._Element) -> etree._Element | None:
    flt = _find(op, "filter")
    if flt is not None and flt.get("type", "subtree") != "subtree":
        raise protocol_error("operation-not-supported", "only subtree filters are "
                             "supported", bad_attribute="type", bad_element="filter")
    return flt


def _choice(op: etree._Element, name: str, allowed: tuple[str, ...], default: str) -> str:
    found = _find(op, name)
    value = (found.text if found is not None and found.text else default).strip()
    if value not in allowed:
        raise protocol_error("invalid-value", f"{name} {value!r} is not one of "
                             f"{', '.join(allowed)}", bad_element=name)
    return value


# -- replies ----------------------------------------------------------------------------------
def _ok() -> etree._Element:
    return etree.Element(f"{{{NC}}}ok")


def _refused(activity: WireActivity, attrs: dict[str, str], exc: RpcError) -> bytes:
    activity.rpc_error("netconf", exc.tag)
    return reply(attrs, [error_xml(exc)])


def reply(attrs: dict[str, str], body: list[etree._Element]) -> bytes:
    """An ``<rpc-reply>`` echoing the rpc's attributes, holding ``body``."""
    out = etree.Element(f"{{{NC}}}rpc-reply", nsmap={None: NC})
    for name, value in attrs.items():
        out.set(name, value)
    out.extend(body)
    return etree.tostring(out, xml_declaration=True, encoding="UTF-8")


def error_xml(exc: RpcError) -> etree._Element:
    """The ``<rpc-error>`` of ``exc``."""
    err = etree.Element(f"{{{NC}}}rpc-error")
    for tag, text in (("error-type", exc.error_type), ("error-tag", exc.tag),
                      ("error-severity", "error"), ("error-app-tag", exc.app_tag)):
        if text:
            etree.SubElement(err, f"{{{NC}}}{tag}").text = text
    if exc.path:
        xpath, nsmap = exc.path.xpath()
        etree.SubElement(err, f"{{{NC}}}error-path", nsmap=nsmap).text = xpath
    message = etree.SubElement(err, f"{{{NC}}}error-message")
    message.set(_XML_LANG, "en")
    message.text = exc.message
    if exc.info:
        info = etree.SubElement(err, f"{{{NC}}}error-info")
        for name, value in exc.info.items():
            etree.SubElement(info, f"{{{NC}}}{name}").text = value
    return err
