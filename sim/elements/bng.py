"""The emulated BNG: subscriber sessions with S/C-VLAN and speed profile."""

from __future__ import annotations

from sim.elements.element import Element


class Bng(Element):
    """A broadband network gateway. Activation provisions the subscriber's C-VLAN under
    the line card's S-VLAN, a session slot and the speed profile."""
