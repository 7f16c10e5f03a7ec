"""The emulated DHCP/IPAM server of a BNG: hands out IPv4 leases."""

from __future__ import annotations

from sim.element import Element


class Dhcp(Element):
    """A DHCP server. Activation binds the reserved IPv4 address as a lease for the
    subscriber; it answers in well under a second (default latency)."""

    kind = "dhcp"
