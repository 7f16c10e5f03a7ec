"""The emulated network: elements (OLT, BNG, DHCP, central platforms) with their NETCONF
sessions, the field workforce, the partners om's partner gateway orders from (a courier,
a wholesale operator: :mod:`~sim.elements.partner`), and the router that satisfies om's
southbound port by handing each resource order item to its element. Faults act on them
only through their own methods; the workforce announces its visits as events
(:mod:`~sim.elements.events`)."""
