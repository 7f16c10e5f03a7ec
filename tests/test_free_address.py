"""Where new lines are ordered once the network is full: the shortcut past the draws
that must miss gives the addresses the draws themselves give."""

from __future__ import annotations

import random

from sim.traffic.arrivals import ADDRESS_DRAWS, Arrivals


def _arrivals(addresses: list[str], seed: int) -> Arrivals:
    arrivals = Arrivals.__new__(Arrivals)  # only what _free_address reads
    arrivals.addresses = addresses
    arrivals.taken = set()
    arrivals._distinct = len(set(addresses))
    arrivals._address_rng = random.Random(seed)
    return arrivals


def test_a_full_network_gives_the_addresses_every_draw_would():
    """Past the moment every address is taken, each new line goes where the last of
    ADDRESS_DRAWS draws lands, and the stream goes on in step with those draws."""
    addresses = [f"A{n}" for n in range(5)]
    arrivals = _arrivals(addresses, seed=7)
    got = [arrivals._free_address() for _ in range(60)]
    rng, taken, want = random.Random(7), set(), []
    for _ in range(60):  # the loop as written before the shortcut
        for _ in range(ADDRESS_DRAWS):
            address = addresses[int(rng.random() * len(addresses))]
            if address not in taken:
                break
        taken.add(address)
        want.append(address)
    assert len(taken) == len(addresses)  # the network filled up early on
    assert got == want
    assert arrivals._address_rng.random() == rng.random()
