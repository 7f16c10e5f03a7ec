"""Before the order manager serves: is the emulator there, do the logins work, and does
it run the same network (the same scenario and seed give the same OLTs and pools)?
Each problem is one :class:`LinkError` naming the setting to fix."""

from __future__ import annotations

import ipaddress

import httpx

from network_model import Network, ResourcePool
from sim.southbound.link import LinkError
from sim.southbound.plans import prefix_length
from sim.southbound.wire import Wire

RESOURCES = "/tmf-api/resourceInventoryManagement/v4/resource"


def check_link(wire: Wire, network: Network) -> str:
    """A one-line summary of the emulator behind ``wire``, or LinkError."""
    base = wire.link.base
    try:
        return wire.call(_check(wire, network), 30.0)
    except httpx.HTTPError as exc:
        raise LinkError("southbound", f" {base}: no answer ({type(exc).__name__}: "
                                      f"{exc}); is omsim emulate running there?") from None


async def _check(wire: Wire, network: Network) -> str:
    base = wire.link.base
    answer = await wire.restconf("GET", "/restconf")
    if answer.status_code == 401:
        raise LinkError("southbound_password", f": {base} refused user "
                                               f"'{wire.link.user}' and the password")
    if answer.status_code != 200:
        raise LinkError("southbound", f" {base}: not omsim emulate (GET /restconf: "
                                      f"{answer.status_code})")
    prefixes = await wire.ipam("GET", "/api/ipam/prefixes/", params={"limit": "0"})
    if prefixes.status_code == 403:
        raise LinkError("southbound_token", f": {base} refused the IPAM token")
    prefixes.raise_for_status()
    theirs = {p["prefix"] for p in prefixes.json()["results"]}
    ours = {_network_of(pool) for pools in network.ipv4_pools.values() for pool in pools}
    olts = await wire.tmf("GET", RESOURCES, params={"category": "olt", "fields": "id",
                                                    "limit": "1000"})
    olts.raise_for_status()
    names = {r["id"] for r in olts.json()}
    count = int(olts.headers.get("X-Total-Count", len(names)))
    if theirs != ours or count != len(network.olts) or not names <= set(network.olts):
        raise LinkError("southbound", f" {base}: runs another network ({count} OLTs, "
                                      f"prefixes {', '.join(sorted(theirs)) or 'none'}; this "
                                      f"scenario has {len(network.olts)} OLTs, "
                                      f"{', '.join(sorted(ours))}): start omsim emulate with "
                                      "the same scenario")
    return f"{base}: {count} OLTs, {len(theirs)} IPv4 prefixes"


def _network_of(pool: ResourcePool) -> str:
    first = ipaddress.IPv4Address(pool.identifier(0))
    return str(ipaddress.IPv4Network((int(first) - 2, prefix_length(pool))))
