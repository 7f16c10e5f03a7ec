"""What one resource order item means on the wire, worked out on the order manager's
clock (where om's objects may be read) and handed to the wire as plain data.

Each RFS configures one *unit* on its element, over RESTCONF, with a PUT (create or
replace: a retry after a lost answer finds its own unit and changes nothing):

==================  ==========================================================  ==========
element             unit (under ``omsim-network:network/element=NAME``)           from
==================  ==========================================================  ==========
OLT                 ``omsim-olt:olt/pon-port=CARD,PORT/ont=ID``                  ont_id
BNG                 ``omsim-bng:bng/subscriber-session=S,C`` (speed profile)     c_vlan
DHCP (``BNG-DHCP``)  ``omsim-dhcp:dhcp/reservation=ADDRESS``, after the address   ipv4
                    is recorded in the IPAM (``POST /api/ipam/ip-addresses/``)
voice platform      ``omsim-voice:voice/number=+E164``                           number
ACS                 ``omsim-acs:acs/cpe=SERIAL`` with the order's SSIDs          -
workforce           a TMF646 appointment for the place, fitting the ONT          -
==================  ==========================================================  ==========

A modify PUTs the unit of the item that built the service, with the new
characteristics; a delete (and a compensation) DELETEs it. The reservation a
``data-exists`` refers to (the slot the network already uses) goes with the plan, so the
order manager can reconcile it.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from network_model import Network, PoolKind
from om import Action
from om.southbound import Activated

NET = "/restconf/data/omsim-network:network"
MAX_SSIDS = 8


@dataclass(frozen=True, slots=True)
class Unit:
    """One configured unit: its element, RESTCONF resource and body (RFC 7951)."""

    element: str  # the wire name
    path: str
    body: dict[str, Any]
    conflict: tuple[str, int] | None = None  # (pool, slot) a data-exists is about


@dataclass(frozen=True, slots=True)
class IpRecord:
    """The IPAM record of a DHCP item's address."""

    address: str  # with its prefix length: 100.64.0.5/22
    owner: str  # the record's description: who holds it
    conflict: tuple[str, int]


@dataclass(frozen=True, slots=True)
class Visit:
    """An install visit to book: where, which ONT, and how far ahead."""

    place: str
    ont: str | None  # OLT/card/port/ont-id
    owner: str
    lead_s: float  # simulated seconds the customer wants it ahead at the earliest


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the wire needs for one request of one item."""

    key: str  # the item's key (errors name it)
    element: str  # the item's target, as om names it
    remove: bool  # deactivate: take the configuration away
    timeout_s: float  # wall seconds one HTTP answer may take
    unit: Unit | None = None
    ip: IpRecord | None = None
    visit: Visit | None = None


class PlanError(Exception):
    """An item the wire cannot express (a bug, or a catalog this adapter does not know)."""


def wire_name(target: str) -> str:
    """The element's name on the wire: ``olt:EX01-OLT01`` -> ``EX01-OLT01``,
    ``dhcp:BNG01`` -> ``BNG01-DHCP``, ``voice_platform`` -> ``voice-platform``."""
    kind, _, name = target.partition(":")
    if not name:
        return kind.replace("_", "-")
    return f"{name}-DHCP" if kind == "dhcp" else name


def _key(*values: Any) -> str:
    return ",".join(quote(str(v), safe="") for v in values)


def _reservation(item: Activated, kind: PoolKind) -> Any:
    for r in item.reservations:
        if r.kind is kind:
            return r
    raise PlanError(f"{item.key}: holds no {kind.value} reservation")


def profile(characteristics: Mapping[str, Any]) -> str:
    """The speed profile of a service: ``200M-30M``."""
    down = characteristics.get("downstream_mbps", 100)
    up = characteristics.get("upstream_mbps", down)
    return f"{down}M-{up}M"


def serial(olt_card: int, port: int, ont_id: int) -> str:
    """The ONT serial the order manager registers: one per slot of an OLT."""
    return f"OMSM{olt_card:02X}{port:02X}{ont_id:04X}"


def unit_of(item: Activated, characteristics: Mapping[str, Any], network: Network,
            owner: str) -> Unit | None:
    """The unit ``item`` (an add item with its reservations, or the record a service
    keeps of one) configures, with ``characteristics``; None for an install visit."""
    kind, element = item.spec.element, wire_name(item.target)
    base = f"{NET}/element={_key(element)}"
    port = network.serving_port(item.place)
    if kind == "olt":
        assert port is not None
        r = _reservation(item, PoolKind.ONT_ID)
        card, index, ont = port.line_card + 1, port.index + 1, r.slot + 1
        entry = {"ont-id": ont, "serial": serial(card, index, ont), "s-vlan": port.s_vlan,
                 "profile": profile(characteristics)}
        return Unit(element, f"{base}/omsim-olt:olt/pon-port={_key(card, index)}/ont={ont}",
                    {"omsim-olt:ont": [entry]}, (r.pool.name, r.slot))
    if kind == "bng":
        assert port is not None
        r = _reservation(item, PoolKind.C_VLAN)
        s_vlan, c_vlan = port.s_vlan, r.slot + 2
        entry = {"s-vlan": s_vlan, "c-vlan": c_vlan,
                 "speed-profile": profile(characteristics)}
        return Unit(element, f"{base}/omsim-bng:bng/subscriber-session="
                    f"{_key(s_vlan, c_vlan)}", {"omsim-bng:subscriber-session": [entry]},
                    (r.pool.name, r.slot))
    if kind == "dhcp":
        r = _reservation(item, PoolKind.IPV4_ADDRESS)
        entry: dict[str, Any] = {"ipv4-address": r.value,
                                 "static": bool(characteristics.get("static_ip", False))}
        vlans = _vlans(item, network)
        if vlans is not None:
            entry["s-vlan"], entry["c-vlan"] = vlans
        return Unit(element, f"{base}/omsim-dhcp:dhcp/reservation={_key(r.value)}",
                    {"omsim-dhcp:reservation": [entry]}, (r.pool.name, r.slot))
    if kind == "voice_platform":
        r = _reservation(item, PoolKind.PHONE_NUMBER)
        entry = {"e164": r.value, "sip-user": f"sip-{r.value.lstrip('+')}"}
        return Unit(element, f"{base}/omsim-voice:voice/number={_key(r.value)}",
                    {"omsim-voice:number": [entry]}, (r.pool.name, r.slot))
    if kind == "acs":
        cpe = f"CPE-{owner}"
        count = max(1, min(MAX_SSIDS, int(characteristics.get("ssids", 1) or 1)))
        entry = {"serial": cpe, "ssid": [{"name": f"omsim-{n}", "security": "wpa3"}
                                         for n in range(1, count + 1)]}
        return Unit(element, f"{base}/omsim-acs:acs/cpe={_key(cpe)}",
                    {"omsim-acs:cpe": [entry]})
    if kind == "workforce":
        return None
    raise PlanError(f"{item.key}: no wire mapping for element kind {kind!r}")


def _vlans(item: Activated, network: Network) -> tuple[int, int] | None:
    """The S/C-VLAN pair of the BNG item of the same resource order (the subscriber's
    circuit, DHCP option 82), if there is one."""
    port = network.serving_port(item.place)
    for sibling in item.siblings:
        if sibling.spec.element == "bng" and sibling.reservations and port is not None:
            return port.s_vlan, _reservation(sibling, PoolKind.C_VLAN).slot + 2
    return None


def prefix_length(pool: Any) -> int:
    """The prefix length of an IPv4 pool (network, gateway and broadcast not counted)."""
    return 32 - round(math.log2(pool.capacity + 3))


def ip_record(item: Activated, owner: str) -> IpRecord:
    r = _reservation(item, PoolKind.IPV4_ADDRESS)
    address = ipaddress.IPv4Interface(f"{r.value}/{prefix_length(r.pool)}")
    return IpRecord(str(address), owner, (r.pool.name, r.slot))


def ont_of(item: Activated, network: Network) -> str | None:
    """The ONT the visit of ``item`` fits: the OLT item of the same resource order."""
    port = network.serving_port(item.place)
    for sibling in item.siblings:
        if sibling.spec.element == "olt" and sibling.reservations and port is not None:
            ont = _reservation(sibling, PoolKind.ONT_ID).slot + 1
            return f"{port.olt}/{port.line_card + 1}/{port.index + 1}/{ont}"
    return None


def plan_for(item: Activated, network: Network, remove: bool, timeout_s: float,
             tag: str, built_by: Activated | None = None, lead_s: float = 0.0
             ) -> Plan:
    """The plan of one request: ``remove`` for a deactivation. ``item`` is a resource
    order item, or for a cease the record its service keeps of the add item; ``built_by``
    is the record of the add item whose unit a modify changes (None: ``item`` is that
    add item); ``tag`` marks what this order manager owns (IPAM descriptions,
    appointments)."""
    source = built_by or item
    owner = f"{tag} {source.key}"
    if item.spec.element == "workforce":
        visit = None if remove else Visit(item.place, ont_of(item, network), owner, lead_s)
        return Plan(item.key, item.target, remove, timeout_s, visit=visit)
    characteristics = item.characteristics
    unit = unit_of(source, characteristics, network, source.correlation_id)
    ip = ip_record(source, owner) if item.spec.element == "dhcp" else None
    if item.action is Action.MODIFY:
        ip = None  # the address stays; only the reservation changes
    return Plan(item.key, item.target, remove, timeout_s, unit=unit, ip=ip)
