"""The emulated DHCP/IPAM server of a BNG: hands out IPv4 leases."""

from __future__ import annotations

from sim.elements.element import Element


class Dhcp(Element):
    """A DHCP server. Activation binds the reserved IPv4 address as a lease for the
    subscriber. Its latency is the scenario's ``elements.dhcp`` (the shipped scenarios
    answer in 0.3 s on average; an element kind left out takes the 3 s default)."""
