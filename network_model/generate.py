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


def generate_network(size: NetworkSize, seed: int, roster: Roster | None = None) -> Network:
    """Build the network described by ``size`` and ``roster``, deterministically from
    ``seed``."""
    roster = roster or Roster()
    rng = random.Random(seed)
    fake = Faker(size.locale)
    fake.seed_instance(seed)

    graph = nx.Graph()
    regions = [f"R{r + 1:02d}" for r in range(size.regions)]

    bngs: list[BngSpec] = []
    ipv4_pools: dict[str, list[ResourcePool]] = {}
    session_pools: dict[str, ResourcePool] = {}
    prefix_len = size.ipv4_pool_prefix_length
    block = 2 ** (32 - prefix_len)
    next_block = 0
    for b in range(size.bngs):
        name = f"BNG{b + 1:02d}"
        prefixes = []
        for _ in range(size.ipv4_pools_per_bng):
            base = (100 << 24) | (64 << 16)  # 100.64.0.0/10, carrier-grade shared space
            addr = base + next_block * block
            next_block += 1
            prefixes.append(
                f"{addr >> 24 & 255}.{addr >> 16 & 255}.{addr >> 8 & 255}.{addr & 255}/{prefix_len}"
            )
        spec = BngSpec(name=name, session_capacity=size.bng_session_capacity,
                       ipv4_prefixes=tuple(prefixes))
        bngs.append(spec)
        graph.add_node(name, kind="bng")
        session_pools[name] = session_pool(name, size.bng_session_capacity)
        ipv4_pools[name] = [ipv4_pool(f"{name}:ipv4:{p}", p) for p in prefixes]

    exchanges: list[ExchangeSpec] = []
    olts: list[OltSpec] = []
    ports: list[PonPort] = []
    c_vlans: dict[tuple[str, int], ResourcePool] = {}
    addresses: list[Address] = []
    next_s_vlan = {b.name: FIRST_S_VLAN for b in bngs}
    homes = size.homes_per_pon_port or size.split_ratio

    for e in range(size.exchanges):
        town = fake.city()
        ex = ExchangeSpec(name=f"EX{e + 1:02d}", town=town, region=regions[e % len(regions)])
        exchanges.append(ex)
        bng = bngs[e % len(bngs)].name
        graph.add_node(ex.name, kind="exchange", region=ex.region)
        graph.add_edge(ex.name, bng, kind="aggregation", up=True)
        postcode_area = fake.postcode().split(" ")[0]
        for o in range(size.olts_per_exchange):
            olt_name = f"{ex.name}-OLT{o + 1:02d}"
            s_vlans = []
            for card in range(size.line_cards_per_olt):
                s_vlan = next_s_vlan[bng]
                next_s_vlan[bng] += 1
                s_vlans.append(s_vlan)
                c_vlans[(olt_name, card)] = c_vlan_pool(f"{bng}:svlan{s_vlan}", s_vlan)
            olts.append(OltSpec(name=olt_name, exchange=ex.name, line_cards=size.line_cards_per_olt,
                                ports_per_line_card=size.pon_ports_per_line_card,
                                split_ratio=size.split_ratio, s_vlans=tuple(s_vlans)))
            graph.add_node(olt_name, kind="olt", homed_on=bng)
            graph.add_edge(olt_name, ex.name, kind="patch", up=True)
            street = fake.street_name()
            house = 1
            for card in range(size.line_cards_per_olt):
                for p in range(size.pon_ports_per_line_card):
                    port_name = f"{olt_name}/{card + 1}/{p + 1}"
                    port = PonPort(port_name, olt_name, card, p, s_vlans[card],
                                   ont_id_pool(port_name, size.split_ratio))
                    ports.append(port)
                    # A street takes up to 4 ports' worth of homes before the next one.
                    if house > 4 * homes:
                        street = fake.street_name()
                        house = 1
                    sector = f"{postcode_area} {rng.randint(1, 9)}{fake.random_uppercase_letter()}"
                    for _ in range(homes):
                        addresses.append(Address(
                            f"ADDR{len(addresses) + 1:07d}", f"{house} {street}", town,
                            sector, ex.name, port_name))
                        house += 1

    for u in range(size.unserviceable_addresses):
        ex = exchanges[u % len(exchanges)]
        addresses.append(Address(f"ADDR{len(addresses) + 1:07d}",
                                 f"{rng.randint(1, 300)} {fake.street_name()}", ex.town,
                                 fake.postcode(), ex.name, None))

    technicians = []
    for r, region in enumerate(regions):
        crew = roster.technicians // len(regions) + (r < roster.technicians % len(regions))
        technicians.extend(
            TechnicianSpec(name=f"{region}-TECH{t + 1:03d}", region=region,
                           shift_start_hour=roster.shift_start_hour,
                           shift_end_hour=roster.shift_end_hour)
            for t in range(crew))
    phones = phone_number_pool("voice:numbers", FIRST_PHONE_NUMBER, size.phone_numbers)
    return Network(exchanges, olts, bngs, graph, ports, c_vlans, session_pools, ipv4_pools,
                   phones, addresses, technicians)
