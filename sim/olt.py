"""The emulated OLT: registers ONTs (serial, ONT id) on its GPON ports."""

from __future__ import annotations

from sim.element import Element


class Olt(Element):
    """An optical line terminal. Activation registers the ONT id reserved on the PON
    port that passes the customer's home; deactivation removes it."""

    kind = "olt"
