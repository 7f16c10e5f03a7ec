"""Service addresses and their serviceability (which PON port passes the home)."""

from __future__ import annotations


class Address:
    """A service address from the address database.

    ``port`` is the name of the PON port that passes it, or ``None`` when the address is
    outside fibre coverage (not serviceable).
    """

    __slots__ = ("id", "line", "town", "postcode", "exchange", "port")

    def __init__(self, id: str, line: str, town: str, postcode: str, exchange: str,
                 port: str | None) -> None:
        self.id = id
        self.line = line
        self.town = town
        self.postcode = postcode
        self.exchange = exchange
        self.port = port

    @property
    def serviceable(self) -> bool:
        return self.port is not None

    def __str__(self) -> str:
        return f"{self.line}, {self.town} {self.postcode}"

    def __repr__(self) -> str:
        return f"<Address {self.id} {self}>"
