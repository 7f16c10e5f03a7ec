"""What each kind of element holds, in the network's terms: the structure it comes with,
the resources each of its units uses, and how drift found on it looks.

A unit's resources are slots of the network's capacity pools (``network_model.pools``):

==============  =================================  ==========================================
kind            unit                               slots
==============  =================================  ==========================================
OLT             ``pon-port=c,p/ont=N``             ONT id N of the port (1..split ratio)
BNG             ``subscriber-session=S,C``         C-VLAN C under S-VLAN S, and one session
DHCP server     ``reservation=A``                  address A of one of the BNG's pools
voice platform  ``number=+E164``                   the number of the platform's range
ACS             ``cpe=SERIAL``                     none
==============  =================================  ==========================================

A value outside what the element has (ONT id 40 on a 1:32 port, an S-VLAN the BNG does not
terminate, an address outside its pools) is ``invalid-value`` naming the leaf.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from network_model import Network, PonPort, ResourcePool
from sim.emulate.errors import NodePath, RpcError
from sim.emulate.tree import KeyedList, Trail

UNKNOWN_PROFILE = "unknown"  # the profile of what drift left on an element


@dataclass(frozen=True, slots=True)
class Slot:
    """One slot of a pool a unit uses (``index`` None: any free one, e.g. a BNG session)."""

    pool: ResourcePool
    index: int | None
    label: str  # what an engineer calls it: "ONT id 5 on PON port 1/3"


class Kind:
    """An element kind's view of its units (the base: no structure, no slots)."""

    identity = ""  # the omsim-network identity of the kind
    container = ""  # the RFC 7951 member of its configuration container
    unit_list = ""  # the member of its unit list inside the container

    def __init__(self, name: str) -> None:
        self.name = name  # the element's name on the wire

    def structure(self) -> dict[str, Any]:
        """The configuration the element comes with (below its entry)."""
        return {}

    def slots(self, trail: Trail, entry: dict[str, Any], path: NodePath) -> list[Slot]:
        """The slots ``entry`` (the unit at ``trail``) uses; invalid-value for a value
        the element does not have."""
        return []

    def unique(self, entry: dict[str, Any]) -> list[tuple[str, Any]]:
        """Values no two units of the element may share, as (leaf, value)."""
        return []

    def drift_unit(self, pool: str, index: int) -> tuple[Trail, dict[str, Any]] | None:
        """The unit that slot ``index`` of ``pool``, used in the network unknown to any
        inventory, shows up as (None: it shows only as a slot in use)."""
        return None

    def state(self, entry: dict[str, Any], online: set[Trail], reachable: bool
              ) -> dict[str, Any]:
        """The element's operational state below its entry (``online``: ONTs fitted)."""
        return {}

    def _unit_trail(self, *steps: tuple[str, Any]) -> Trail:
        return (("element", (self.name,)), (self.container, None), *steps)


class OltKind(Kind):
    """An OLT: PON ports (``line-card``, ``port`` from 1) with the ONTs on them."""

    identity, container, unit_list = "olt", "omsim-olt:olt", "ont"

    def __init__(self, name: str, ports: list[PonPort]) -> None:
        super().__init__(name)
        self.ports = {(p.line_card + 1, p.index + 1): p for p in ports}
        self._by_pool = {p.ont_ids.name: key for key, p in self.ports.items()}

    def structure(self) -> dict[str, Any]:
        return {self.container: {"pon-port": KeyedList(
            (key, {"line-card": key[0], "port": key[1]}) for key in self.ports)}}

    def slots(self, trail: Trail, entry: dict[str, Any], path: NodePath) -> list[Slot]:
        card, port = trail[2][1]
        pon = self.ports[(card, port)]
        ont_id = entry["ont-id"]
        if ont_id > pon.ont_ids.capacity:
            raise RpcError("invalid-value", f"PON port {card}/{port} has ONT ids 1 to "
                           f"{pon.ont_ids.capacity} (split 1:{pon.ont_ids.capacity})",
                           path.child("omsim-olt", "ont-id"))
        if "s-vlan" in entry and entry["s-vlan"] != pon.s_vlan:
            raise RpcError("invalid-value", f"S-VLAN {entry['s-vlan']} is not line card "
                           f"{card}'s S-VLAN {pon.s_vlan}", path.child("omsim-olt", "s-vlan"))
        return [Slot(pon.ont_ids, ont_id - 1, f"ONT id {ont_id} on PON port {card}/{port}")]

    def unique(self, entry: dict[str, Any]) -> list[tuple[str, Any]]:
        return [("serial", entry["serial"])] if "serial" in entry else []

    def drift_unit(self, pool: str, index: int) -> tuple[Trail, dict[str, Any]] | None:
        card, port = self._by_pool[pool]
        ont_id = index + 1
        entry = {"ont-id": ont_id, "serial": f"DRFT{card:02X}{port:02X}{ont_id:04X}",
                 "profile": UNKNOWN_PROFILE}
        return self._unit_trail(("pon-port", (card, port)), ("ont", (ont_id,))), entry

    def state(self, entry: dict[str, Any], online: set[Trail], reachable: bool
              ) -> dict[str, Any]:
        ports = KeyedList()
        for key, port in entry.get(self.container, {}).get("pon-port", {}).items():
            onts = KeyedList()
            for ont_key in port.get("ont", {}):
                fitted = self._unit_trail(("pon-port", key), ("ont", ont_key)) in online
                onts[ont_key] = {"oper-state": ("online" if reachable else "offline")
                                 if fitted else "pending-install"}
            ports[key] = {"s-vlan": self.ports[key].s_vlan, "ont": onts}
        return {self.container: {"pon-port": ports}}


class BngKind(Kind):
    """A BNG: subscriber sessions keyed by their VLAN pair."""

    identity, container, unit_list = "bng", "omsim-bng:bng", "subscriber-session"

    def __init__(self, name: str, c_vlans: dict[int, ResourcePool], sessions: ResourcePool
                 ) -> None:
        super().__init__(name)
        self.c_vlans = c_vlans  # S-VLAN -> the pool of C-VLANs under it
        self.sessions = sessions
        self._s_vlan_of = {pool.name: s for s, pool in c_vlans.items()}

    def slots(self, trail: Trail, entry: dict[str, Any], path: NodePath) -> list[Slot]:
        s_vlan, c_vlan = entry["s-vlan"], entry["c-vlan"]
        pool = self.c_vlans.get(s_vlan)
        if pool is None:
            raise RpcError("invalid-value", f"{self.name} terminates S-VLANs "
                           f"{_ranges(sorted(self.c_vlans))}, not {s_vlan}",
                           path.child("omsim-bng", "s-vlan"))
        return [Slot(pool, c_vlan - 2, f"C-VLAN {c_vlan} under S-VLAN {s_vlan}"),
                Slot(self.sessions, None, f"a subscriber session on {self.name}")]

    def drift_unit(self, pool: str, index: int) -> tuple[Trail, dict[str, Any]] | None:
        s_vlan = self._s_vlan_of.get(pool)
        if s_vlan is None:
            return None  # a session slot: the BNG just has one fewer to give
        entry = {"s-vlan": s_vlan, "c-vlan": index + 2, "speed-profile": UNKNOWN_PROFILE}
        return self._unit_trail(("subscriber-session", (s_vlan, index + 2))), entry


class DhcpKind(Kind):
    """The DHCP server of a BNG: reservations of addresses from the BNG's pools."""

    identity, container, unit_list = "dhcp", "omsim-dhcp:dhcp", "reservation"

    def __init__(self, name: str, pools: list[ResourcePool]) -> None:
        super().__init__(name)
        self.pools = [(int(ipaddress.IPv4Address(p.identifier(0))), p) for p in pools]

    def slots(self, trail: Trail, entry: dict[str, Any], path: NodePath) -> list[Slot]:
        address = entry["ipv4-address"]
        value = int(ipaddress.IPv4Address(address))
        for first, pool in self.pools:
            if 0 <= value - first < pool.capacity:
                return [Slot(pool, value - first, f"address {address}")]
        ranges = ", ".join(f"{p.identifier(0)}-{p.identifier(p.capacity - 1)}"
                           for _, p in self.pools)
        raise RpcError("invalid-value", f"{address} is not an address {self.name} hands "
                       f"out ({ranges})", path.child("omsim-dhcp", "ipv4-address"))

    def drift_unit(self, pool: str, index: int) -> tuple[Trail, dict[str, Any]] | None:
        for _, p in self.pools:
            if p.name == pool:
                address = p.identifier(index)
                return self._unit_trail(("reservation", (address,))), {"ipv4-address":
                                                                       address}
        return None


class VoiceKind(Kind):
    """The voice platform: SIP lines with numbers from its range."""

    identity, container, unit_list = "voice-platform", "omsim-voice:voice", "number"

    def __init__(self, name: str, numbers: ResourcePool) -> None:
        super().__init__(name)
        self.numbers = numbers
        self.first = int(numbers.identifier(0).lstrip("+")) if numbers.capacity else 0

    def slots(self, trail: Trail, entry: dict[str, Any], path: NodePath) -> list[Slot]:
        number = entry["e164"]
        index = int(number.lstrip("+")) - self.first
        if not 0 <= index < self.numbers.capacity:
            raise RpcError("invalid-value", f"{number} is not in the platform's range "
                           f"+{self.first} to +{self.first + self.numbers.capacity - 1}",
                           path.child("omsim-voice", "e164"))
        return [Slot(self.numbers, index, f"number {number}")]

    def drift_unit(self, pool: str, index: int) -> tuple[Trail, dict[str, Any]] | None:
        number = self.numbers.identifier(index)
        return self._unit_trail(("number", (number,))), {"e164": number,
                                                        "sip-user": UNKNOWN_PROFILE}


class AcsKind(Kind):
    """The ACS: CPEs and their managed SSIDs; it draws on no pool."""

    identity, container, unit_list = "acs", "omsim-acs:acs", "cpe"


def kinds_of(network: Network, platforms: list[str]) -> dict[str, Kind]:
    """The kind of every element of ``network`` that speaks NETCONF, by sim name
    (``olt:EX01-OLT01``, ``bng:BNG01``, ``dhcp:BNG01``, ``voice_platform``, ``acs``);
    ``platforms`` are the central platforms the catalog uses."""
    out: dict[str, Kind] = {}
    by_olt: dict[str, list[PonPort]] = {}
    for port in network.ports.values():
        by_olt.setdefault(port.olt, []).append(port)
    for olt, ports in by_olt.items():
        out[f"olt:{olt}"] = OltKind(olt, ports)
    s_vlans = {(p.olt, p.line_card): p.s_vlan for p in network.ports.values()}
    for bng in network.bngs:
        c_vlans = {s_vlans[key]: pool for key, pool in network.c_vlan_pools.items()
                   if network.homing_bng(key[0]) == bng and key in s_vlans}
        out[f"bng:{bng}"] = BngKind(bng, c_vlans, network.session_pools[bng])
        out[f"dhcp:{bng}"] = DhcpKind(f"{bng}-DHCP", network.ipv4_pools[bng])
    if "voice_platform" in platforms:
        out["voice_platform"] = VoiceKind("voice-platform", network.phone_numbers)
    if "acs" in platforms:
        out["acs"] = AcsKind("acs")
    return out


def _ranges(values: list[int]) -> str:
    """``[101, 102, 103, 110]`` -> ``"101-103, 110"``."""
    runs: list[list[int]] = []
    for v in values:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
