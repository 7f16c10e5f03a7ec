"""omsim's own order manager as the reference client of ``omsim emulate``: om's
southbound port satisfied over the wire (RESTCONF, the NetBox-compatible IPAM, TMF646
appointments), chosen with ``omsim serve SCENARIO --southbound URL``.

    link     the emulator's URL and logins; request timeouts on the order manager's clock
    check    the emulator is there, takes the logins and runs the same network
    plans    what an order item means on the wire (worked out on the clock thread)
    wire     HTTP clients on a loop of their own; one plan against RESTCONF and the IPAM
    visits   install visits over TMF646
    causes   wire answers as om's fallout causes
    adapter  the port itself: events for ROM, answers back onto the clock
"""

from sim.southbound.adapter import WireSouthbound
from sim.southbound.check import check_link
from sim.southbound.link import Link, LinkError

__all__ = ["Link", "LinkError", "WireSouthbound", "check_link"]
