"""Service addresses and their serviceability: on-net (a PON port of ours passes the
home), off-net (no port of ours, but a wholesale operator's line reaches it) or not
serviceable at all."""

from __future__ import annotations


class Address:
    """A service address from the address database.

    ``port`` is the name of the PON port that passes it, or ``None`` when the address is
    outside our fibre coverage. ``off_net`` marks an address outside it that a wholesale
    partner's access line reaches (served by ordering that line, not by our network).
    """

    __slots__ = ("id", "line", "town", "postcode", "exchange", "port", "off_net")

    def __init__(self, id: str, line: str, town: str, postcode: str, exchange: str,
                 port: str | None, off_net: bool = False) -> None:
        self.id = id
        self.line = line
        self.town = town
        self.postcode = postcode
        self.exchange = exchange
        self.port = port
        self.off_net = off_net and port is None

    @property
    def serviceable(self) -> bool:
        return self.port is not None

    def __str__(self) -> str:
        return f"{self.line}, {self.town} {self.postcode}"

    def __repr__(self) -> str:
        return f"<Address {self.id} {self}>"
