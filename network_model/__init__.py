"""The FTTH access network as data: topology, element specs, capacity pools, addresses
and the technician roster. No SimPy and nothing of om or sim is imported here."""

from network_model.addresses import Address
from network_model.generate import generate_network
from network_model.pools import PoolExhausted, PoolKind, ResourcePool
from network_model.specs import (
    BngSpec,
    ExchangeSpec,
    NetworkSize,
    OltSpec,
    Roster,
    TechnicianSpec,
)
from network_model.topology import Network, PonPort

__all__ = [
    "Address",
    "BngSpec",
    "ExchangeSpec",
    "Network",
    "NetworkSize",
    "OltSpec",
    "PonPort",
    "PoolExhausted",
    "PoolKind",
    "ResourcePool",
    "Roster",
    "TechnicianSpec",
    "generate_network",
]
