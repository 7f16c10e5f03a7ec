"""The emulated DHCP/IPAM server of a BNG: hands out IPv4 leases."""

from __future__ import annotations

from sim.elements.element import Element


class Dhcp(Element):
    """A DHCP server, one per BNG. Activation binds the IPv4 address reserved for the
    item as the subscriber's lease (it holds that slot of the ``ipv4_address`` pool).

    Latency, sessions and errors are the scenario's ``elements.dhcp``; a scenario that
    leaves ``dhcp`` out gets what every element kind gets by default
    (:class:`~sim.scenario.schema.ElementSettings`: log-normal latency, mean 3 s, sd
    1.5 s, four sessions). Scenarios that model a real DHCP server set it far lower
    (``scenarios/baseline.yaml``: exponential, mean 0.3 s, 64 sessions)."""
