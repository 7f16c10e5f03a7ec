"""The network's topology (a networkx graph) and the queries order management needs.

Nodes are exchanges, OLTs and BNGs; edges are in-building patching (OLT to exchange)
and aggregation links (exchange to BNG). An OLT reaches the BNG it is homed on through
its exchange's aggregation link. Reachability is precomputed and recomputed only when a
link is cut or restored, so the order flow never walks the graph.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from network_model.addresses import Address
from network_model.pools import PoolExhausted, PoolKind, ResourcePool
from network_model.specs import BngSpec, ExchangeSpec, OltSpec, TechnicianSpec

# Element kinds with one instance per access path (the field workforce per region); any
# other element kind a catalog names (a voice platform, an ACS) is a central platform.
ACCESS_ELEMENTS = ("olt", "bng", "dhcp", "workforce")


class PonPort:
    """A GPON port on an OLT line card; its ONT ids are a pool of ``split_ratio`` slots."""

    __slots__ = ("name", "olt", "line_card", "index", "s_vlan", "ont_ids")

    def __init__(self, name: str, olt: str, line_card: int, index: int, s_vlan: int,
                 ont_ids: ResourcePool) -> None:
        self.name = name
        self.olt = olt
        self.line_card = line_card
        self.index = index
        self.s_vlan = s_vlan
        self.ont_ids = ont_ids

    def __repr__(self) -> str:
        return f"<PonPort {self.name} {self.ont_ids.in_use}/{self.ont_ids.capacity}>"


class Network:
    """A generated FTTH network: elements, pools, addresses and the field workforce."""

    def __init__(
        self,
        exchanges: list[ExchangeSpec],
        olts: list[OltSpec],
        bngs: list[BngSpec],
        graph: nx.Graph,
        ports: list[PonPort],
        c_vlan_pools: dict[tuple[str, int], ResourcePool],
        session_pools: dict[str, ResourcePool],
        ipv4_pools: dict[str, list[ResourcePool]],
        phone_numbers: ResourcePool,
        addresses: list[Address],
        technicians: list[TechnicianSpec],
    ) -> None:
        self.exchanges = {e.name: e for e in exchanges}
        self.olts = {o.name: o for o in olts}
        self.bngs = {b.name: b for b in bngs}
        self.graph = graph
        self.ports = {p.name: p for p in ports}
        self.c_vlan_pools = c_vlan_pools
        self.session_pools = session_pools
        self.ipv4_pools = ipv4_pools
        self.phone_numbers = phone_numbers
        self.addresses = addresses
        self.address_by_id = {a.id: a for a in addresses}
        self.technicians = technicians
        self.regions = sorted({e.region for e in exchanges})
        self.bng_of_olt: dict[str, str | None] = {}
        self._olts_of_exchange: dict[str, list[str]] = {}
        for olt in olts:
            self._olts_of_exchange.setdefault(olt.exchange, []).append(olt.name)
        self.recompute_reachability()

    # -- serviceability ---------------------------------------------------------------
    def serving_port(self, address_id: str) -> PonPort | None:
        """The PON port that passes ``address_id``, or ``None`` (unknown or not covered)."""
        address = self.address_by_id.get(address_id)
        if address is None or address.port is None:
            return None
        return self.ports[address.port]

    def off_net(self, address_id: str) -> bool:
        """Whether ``address_id`` is off-net: outside our footprint, reached over a
        wholesale partner's access line."""
        address = self.address_by_id.get(address_id)
        return address is not None and address.off_net

    def region_of_port(self, port: PonPort) -> str:
        return self.exchanges[self.olts[port.olt].exchange].region

    # -- pools and elements on a subscriber's path -----------------------------------
    def pool_for(self, kind: PoolKind, port: PonPort) -> ResourcePool:
        """The pool a resource of ``kind`` for a subscriber on ``port`` is drawn from.

        For IPv4 the first pool of the BNG with a free address is chosen; when all are
        full, :class:`PoolExhausted` is raised by the caller's ``allocate``.
        """
        if kind is PoolKind.ONT_ID:
            return port.ont_ids
        if kind is PoolKind.C_VLAN:
            return self.c_vlan_pools[(port.olt, port.line_card)]
        if kind is PoolKind.PHONE_NUMBER:
            return self.phone_numbers
        bng = self.homing_bng(port.olt)
        if kind is PoolKind.BNG_SESSION:
            return self.session_pools[bng]
        if kind is PoolKind.IPV4_ADDRESS:
            pools = self.ipv4_pools[bng]
            for pool in pools:
                if pool.free:
                    return pool
            return pools[0]
        raise KeyError(kind)  # pragma: no cover - PoolKind is closed

    def element_for(self, element_kind: str, port: PonPort | None) -> str:
        """The name of the element instance of ``element_kind`` serving ``port``."""
        if element_kind == "olt" and port is not None:
            return f"olt:{port.olt}"
        if element_kind in ("bng", "dhcp") and port is not None:
            return f"{element_kind}:{self.homing_bng(port.olt)}"
        if element_kind == "workforce" and port is not None:
            return f"workforce:{self.region_of_port(port)}"
        return element_kind

    def homing_bng(self, olt: str) -> str:
        """The BNG an OLT is homed on (static design; reachability may be lost)."""
        return self._homing[olt]

    def olt_reachable(self, olt: str) -> bool:
        return self.bng_of_olt.get(olt) is not None

    # -- topology changes (faults) ---------------------------------------------------
    def cut_link(self, a: str, b: str) -> list[str]:
        """Cut the link a-b; return the OLTs that lost their BNG."""
        self.graph.edges[a, b]["up"] = False
        before = {o for o, bng in self.bng_of_olt.items() if bng is not None}
        self.recompute_reachability()
        return sorted(o for o in before if self.bng_of_olt[o] is None)

    def restore_link(self, a: str, b: str) -> None:
        self.graph.edges[a, b]["up"] = True
        self.recompute_reachability()

    def recompute_reachability(self) -> None:
        """Recompute which BNG each OLT reaches over links that are up."""
        up = nx.subgraph_view(self.graph, filter_edge=lambda a, b: self.graph.edges[a, b]["up"])
        self._homing = {}
        for olt in self.olts.values():
            self._homing[olt.name] = self.graph.nodes[olt.name]["homed_on"]
        for name in self.olts:
            bng = self._homing[name]
            self.bng_of_olt[name] = bng if nx.has_path(up, name, bng) else None

    def olts_behind(self, node: str) -> list[str]:
        """OLTs whose path to their BNG runs through ``node`` (an exchange or BNG)."""
        out = []
        for name in self.olts:
            path = nx.shortest_path(self.graph, name, self._homing[name])
            if node in path:
                out.append(name)
        return out

    # -- iteration ----------------------------------------------------------------------
    def all_pools(self) -> Iterator[ResourcePool]:
        """Every capacity pool, in a stable order."""
        for port in self.ports.values():
            yield port.ont_ids
        yield from self.c_vlan_pools.values()
        yield from self.session_pools.values()
        for pools in self.ipv4_pools.values():
            yield from pools
        yield self.phone_numbers

    def pools_by_kind(self) -> dict[PoolKind, list[ResourcePool]]:
        out: dict[PoolKind, list[ResourcePool]] = {k: [] for k in PoolKind}
        for pool in self.all_pools():
            out[pool.kind].append(pool)
        return out

    def serviceable_addresses(self) -> list[Address]:
        return [a for a in self.addresses if a.port is not None]


__all__ = ["ACCESS_ELEMENTS", "Network", "PonPort", "PoolExhausted"]
