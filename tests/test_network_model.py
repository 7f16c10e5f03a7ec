"""The network as data: deterministic generation, pools, serviceability, topology."""

from __future__ import annotations

import pytest

from network_model import NetworkSize, PoolExhausted, PoolKind, ResourcePool, generate_network
from network_model.pools import ipv4_pool

SIZE = NetworkSize(exchanges=2, olts_per_exchange=2, line_cards_per_olt=2,
                   pon_ports_per_line_card=4, bngs=2, unserviceable_addresses=5)


def _fingerprint(net):
    return ([(a.id, str(a), a.port) for a in net.addresses],
            sorted(net.graph.edges), [t.name for t in net.technicians])


def test_same_seed_same_network():
    """Generation is deterministic: the same size and seed give the same network."""
    assert _fingerprint(generate_network(SIZE, 3)) == _fingerprint(generate_network(SIZE, 3))


def test_other_seed_other_addresses():
    """The seed matters: another seed names other streets."""
    a, b = generate_network(SIZE, 3), generate_network(SIZE, 4)
    assert [str(x) for x in a.addresses] != [str(x) for x in b.addresses]


def test_size_drives_element_counts():
    """Counts of OLTs, PON ports, ONT ids and addresses follow the size."""
    net = generate_network(SIZE, 1)
    assert len(net.olts) == 4
    assert len(net.ports) == 4 * 2 * 4
    assert all(p.ont_ids.capacity == 32 for p in net.ports.values())
    assert len(net.serviceable_addresses()) == 32 * 32
    assert len(net.addresses) == 32 * 32 + 5


def test_serviceability_maps_addresses_to_ports():
    """Every serviceable address resolves to the PON port passing it; others to None."""
    net = generate_network(SIZE, 1)
    served = net.addresses[0]
    assert net.serving_port(served.id).name == served.port
    uncovered = net.addresses[-1]
    assert not uncovered.serviceable and net.serving_port(uncovered.id) is None
    assert net.serving_port("no-such-address") is None


def test_olt_homes_on_bng_through_aggregation_link():
    """An OLT reaches its BNG until its exchange's aggregation link is cut."""
    net = generate_network(SIZE, 1)
    olt = "EX01-OLT01"
    bng = net.homing_bng(olt)
    assert net.olt_reachable(olt)
    lost = net.cut_link("EX01", bng)
    assert olt in lost and not net.olt_reachable(olt)
    net.restore_link("EX01", bng)
    assert net.olt_reachable(olt)


def test_pool_allocates_each_slot_once_and_reuses_released():
    """A pool never hands out a slot twice; released slots come back."""
    pool = ResourcePool("p", PoolKind.ONT_ID, 3)
    slots = [pool.allocate() for _ in range(3)]
    assert sorted(slots) == [0, 1, 2]
    with pytest.raises(PoolExhausted):
        pool.allocate()
    pool.release(1)
    assert pool.allocate() == 1
    with pytest.raises(ValueError):
        pool.release(7)


def test_pool_limit_shrinks_capacity():
    """Lowering the limit exhausts the pool early without touching held slots."""
    pool = ResourcePool("p", PoolKind.BNG_SESSION, 10)
    pool.allocate()
    pool.limit = 1
    with pytest.raises(PoolExhausted):
        pool.allocate()
    assert pool.in_use == 1 and pool.free == 0


def test_ipv4_pool_skips_network_gateway_and_broadcast():
    """A /29 gives 5 subscriber addresses, starting after the gateway."""
    pool = ipv4_pool("x", "10.0.0.0/29")
    assert pool.capacity == 5
    assert pool.identifier(pool.allocate()) == "10.0.0.2"


def test_vlan_and_session_pools_per_path():
    """C-VLANs come from the line card's S-VLAN; sessions and IPs from the homing BNG."""
    net = generate_network(SIZE, 1)
    port = net.ports["EX02-OLT01/2/1"]
    cvlan = net.pool_for(PoolKind.C_VLAN, port)
    assert cvlan.capacity == 4093
    assert f"svlan {port.s_vlan} /" in cvlan.identifier(0)
    assert net.pool_for(PoolKind.BNG_SESSION, port).name.startswith(net.homing_bng("EX02-OLT01"))
