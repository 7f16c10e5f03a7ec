"""XML from the network, parsed safely.

NETCONF messages never carry a DTD, so any DOCTYPE or entity declaration is refused
before parsing (no entity expansion, no external fetch, no billion laughs), and the
parser itself is hardened: entities are never resolved, the network never touched,
comments and processing instructions dropped.
"""

from __future__ import annotations

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False, remove_comments=True,
                          remove_pis=True, collect_ids=False)


class MalformedXml(Exception):
    """Not well-formed, or carries a DTD: NETCONF's ``malformed-message``."""


def parse(data: bytes) -> etree._Element:
    """The root element of ``data``; :class:`MalformedXml` says why it is not one."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise MalformedXml("a DTD is not allowed in a NETCONF message")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(str(exc)) from None
    if root.getroottree().docinfo.doctype:
        raise MalformedXml("a DTD is not allowed in a NETCONF message")
    return root
