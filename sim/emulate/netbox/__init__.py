"""A NetBox-compatible IPAM for the emulated network: the BNGs' IPv4 pools as NetBox
prefixes, served on the subset of NetBox's REST API an activation flow needs, so that
pynetbox (or any NetBox client) allocates from the pools the network itself uses.

    ipam    the prefixes and recorded addresses, over the network's own pools
    shapes  NetBox's JSON objects and pagination
    router  ``/api/...``: token auth, NetBox's errors
"""

from sim.emulate.netbox.ipam import Ipam, IpamError, Prefix
from sim.emulate.netbox.router import netbox_router

__all__ = ["Ipam", "IpamError", "Prefix", "netbox_router"]
