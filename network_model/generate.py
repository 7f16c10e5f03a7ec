"""Seeded generator: the same NetworkSize and seed always give the same network.

Faker (per-instance, seeded) supplies towns, street names and postcodes; structure comes
from the size. Each PON port passes a run of house numbers on one street, as a real
fibre rollout does. Nothing here draws from module-level random state.
"""

from __future__ import annotations

import random

import networkx as nx
from faker import Faker

from network_model.addresses import Address
from network_model.pools import (
    ResourcePool,
    c_vlan_pool,
    ipv4_pool,
    ont_id_pool,
    phone_number_pool,
    session_pool,
)
from network_model.specs import (
    FIRST_S_VLAN,
    BngSpec,
    ExchangeSpec,
    NetworkSize,
    OltSpec,
    Roster,
    TechnicianSpec,
)
from network_model.topology import Network, PonPort

FIRST_PHONE_NUMBER = 442079460000
CGNAT_BASE = (100 << 24) | (64 << 16)  # 100.64.0.0/10, carrier-grade shared space
STREET_PORTS = 4  # a street takes up to this many PON ports' worth of homes


def generate_network(size: NetworkSize, seed: int, roster: Roster | None = None) -> Network:
    """Build the network described by ``size`` and ``roster``, deterministically from
    ``seed``."""
    build = _Builder(size, seed)
    for b in range(size.bngs):
        build.bng(f"BNG{b + 1:02d}")
    for e in range(size.exchanges):
        build.exchange(e)
    for u in range(size.unserviceable_addresses):
        build.unserviceable_address(u)
    # Last, so a network without off-net addresses draws exactly what it drew before.
    for n in range(size.off_net_addresses):
        build.unserviceable_address(n, off_net=True)
    phones = phone_number_pool("voice:numbers", FIRST_PHONE_NUMBER, size.phone_numbers)
    return Network(build.exchanges, build.olts, build.bngs, build.graph, build.ports,
                   build.c_vlans, build.session_pools, build.ipv4_pools, phones,
                   build.addresses, _technicians(roster or Roster(), build.regions))


class _Builder:
    """The network under construction, and the two seeded streams it draws from (the
    order of the draws is part of what a seed means: keep it when changing this)."""

    def __init__(self, size: NetworkSize, seed: int) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.fake = Faker(size.locale)
        self.fake.seed_instance(seed)
        self.graph = nx.Graph()
        self.regions = [f"R{r + 1:02d}" for r in range(size.regions)]
        self.bngs: list[BngSpec] = []
        self.session_pools: dict[str, ResourcePool] = {}
        self.ipv4_pools: dict[str, list[ResourcePool]] = {}
        self.exchanges: list[ExchangeSpec] = []
        self.olts: list[OltSpec] = []
        self.ports: list[PonPort] = []
        self.c_vlans: dict[tuple[str, int], ResourcePool] = {}
        self.addresses: list[Address] = []
        self._next_block = 0  # IPv4 blocks handed out so far
        self._next_s_vlan: dict[str, int] = {}  # per BNG
        self._homes = size.homes_per_pon_port or size.split_ratio

    def bng(self, name: str) -> None:
        """A BNG with its session pool and ``ipv4_pools_per_bng`` consecutive blocks."""
        prefix_len = self.size.ipv4_pool_prefix_length
        block = 2 ** (32 - prefix_len)
        prefixes = []
        for _ in range(self.size.ipv4_pools_per_bng):
            addr = CGNAT_BASE + self._next_block * block
            self._next_block += 1
            prefixes.append(f"{addr >> 24 & 255}.{addr >> 16 & 255}.{addr >> 8 & 255}."
                            f"{addr & 255}/{prefix_len}")
        self.bngs.append(BngSpec(name=name))
        self.graph.add_node(name, kind="bng")
        self.session_pools[name] = session_pool(name, self.size.bng_session_capacity)
        self.ipv4_pools[name] = [ipv4_pool(f"{name}:ipv4:{p}", p) for p in prefixes]
        self._next_s_vlan[name] = FIRST_S_VLAN

    def exchange(self, e: int) -> None:
        """Exchange ``e`` in a new town, homed round-robin on a BNG, with its OLTs."""
        town = self.fake.city()
        ex = ExchangeSpec(name=f"EX{e + 1:02d}", town=town,
                          region=self.regions[e % len(self.regions)])
        self.exchanges.append(ex)
        bng = self.bngs[e % len(self.bngs)].name
        self.graph.add_node(ex.name, kind="exchange", region=ex.region)
        self.graph.add_edge(ex.name, bng, kind="aggregation", up=True)
        postcode_area = self.fake.postcode().split(" ")[0]
        for o in range(self.size.olts_per_exchange):
            self.olt(ex, f"{ex.name}-OLT{o + 1:02d}", bng, postcode_area)

    def olt(self, ex: ExchangeSpec, name: str, bng: str, postcode_area: str) -> None:
        """An OLT: one S-VLAN (and C-VLAN pool) per line card on its BNG, its PON ports,
        and the homes they pass, street by street."""
        size = self.size
        s_vlans = []
        for card in range(size.line_cards_per_olt):
            s_vlan = self._next_s_vlan[bng]
            self._next_s_vlan[bng] += 1
            s_vlans.append(s_vlan)
            self.c_vlans[(name, card)] = c_vlan_pool(f"{bng}:svlan{s_vlan}", s_vlan)
        self.olts.append(OltSpec(name=name, exchange=ex.name, line_cards=size.line_cards_per_olt,
                                 ports_per_line_card=size.pon_ports_per_line_card))
        self.graph.add_node(name, kind="olt", homed_on=bng)
        self.graph.add_edge(name, ex.name, kind="patch", up=True)
        street = self.fake.street_name()
        house = 1
        for card in range(size.line_cards_per_olt):
            for p in range(size.pon_ports_per_line_card):
                port_name = f"{name}/{card + 1}/{p + 1}"
                self.ports.append(PonPort(port_name, name, card, p, s_vlans[card],
                                          ont_id_pool(port_name, size.split_ratio)))
                if house > STREET_PORTS * self._homes:
                    street = self.fake.street_name()
                    house = 1
                house = self._homes_on(ex, port_name, street, house, postcode_area)

    def _homes_on(self, ex: ExchangeSpec, port: str, street: str, house: int,
                  postcode_area: str) -> int:
        """The homes ``port`` passes: the next house numbers of ``street``, one postcode
        sector; returns the next free house number."""
        sector = f"{postcode_area} {self.rng.randint(1, 9)}{self.fake.random_uppercase_letter()}"
        for _ in range(self._homes):
            self.addresses.append(Address(f"ADDR{len(self.addresses) + 1:07d}",
                                          f"{house} {street}", ex.town, sector, ex.name, port))
            house += 1
        return house

    def unserviceable_address(self, u: int, off_net: bool = False) -> None:
        """An address in the database that no PON port passes (in exchange areas in turn);
        ``off_net``: one a wholesale partner's line reaches."""
        ex = self.exchanges[u % len(self.exchanges)]
        line = f"{self.rng.randint(1, 300)} {self.fake.street_name()}"
        self.addresses.append(Address(f"ADDR{len(self.addresses) + 1:07d}", line, ex.town,
                                      self.fake.postcode(), ex.name, None, off_net))


def _technicians(roster: Roster, regions: list[str]) -> list[TechnicianSpec]:
    """The roster's technicians, spread evenly over the regions (the first get one more)."""
    out = []
    for r, region in enumerate(regions):
        crew = roster.technicians // len(regions) + (r < roster.technicians % len(regions))
        out.extend(TechnicianSpec(name=f"{region}-TECH{t + 1:03d}", region=region,
                                  shift_start_hour=roster.shift_start_hour,
                                  shift_end_hour=roster.shift_end_hour)
                   for t in range(crew))
    return out
