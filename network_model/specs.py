"""Frozen pydantic specs of the network: how big it is and what each element is.

Specs are validated once, when a scenario is loaded; the engine keeps them and never
re-validates. Defaults are the reference numbers a telco engineer would recognise.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class NetworkSize(BaseModel):
    """How large a network the generator builds (part of a scenario)."""

    model_config = _FROZEN

    exchanges: int = Field(3, ge=1, le=500)
    olts_per_exchange: int = Field(3, ge=1, le=64)
    line_cards_per_olt: int = Field(16, ge=1, le=32)
    pon_ports_per_line_card: int = Field(16, ge=1, le=64)
    split_ratio: Literal[32, 64] = 32
    homes_per_pon_port: int | None = Field(
        None, ge=1, description="service addresses passed per PON port (default: split ratio)"
    )
    unserviceable_addresses: int = Field(
        0, ge=0, description="addresses in the address database that no PON port serves"
    )
    bngs: int = Field(2, ge=1, le=64)
    bng_session_capacity: int = Field(32000, ge=1)
    ipv4_pool_prefix_length: int = Field(20, ge=8, le=30)
    ipv4_pools_per_bng: int = Field(1, ge=1, le=64)
    phone_numbers: int = Field(10000, ge=0)
    regions: int = Field(2, ge=1, le=100, description="workforce regions (exchanges are "
                         "dealt round-robin)")
    locale: str = "en_GB"


class Roster(BaseModel):
    """The field workforce: technicians spread evenly over the regions, one daily shift."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    technicians: int = Field(20, ge=0, le=100000)
    shift_start_hour: float = Field(8, ge=0, lt=24)
    shift_end_hour: float = Field(18, gt=0, le=24)

    @model_validator(mode="after")
    def _shift_order(self) -> Roster:
        if self.shift_end_hour <= self.shift_start_hour:
            raise ValueError("shift_end_hour must be after shift_start_hour")
        return self


class ExchangeSpec(BaseModel):
    """A local exchange (central office) housing OLTs, in one workforce region."""

    model_config = _FROZEN
    name: str
    town: str
    region: str


class OltSpec(BaseModel):
    """An optical line terminal: line cards of GPON ports, one S-VLAN per line card."""

    model_config = _FROZEN
    name: str
    exchange: str
    line_cards: int
    ports_per_line_card: int
    split_ratio: int
    s_vlans: tuple[int, ...]  # one per line card, on the serving BNG


class BngSpec(BaseModel):
    """A broadband network gateway: subscriber sessions and the IPv4 pools behind it."""

    model_config = _FROZEN
    name: str
    session_capacity: int
    ipv4_prefixes: tuple[str, ...]


class TechnicianSpec(BaseModel):
    """A field technician of a regional crew, with a daily shift (hours of the day)."""

    model_config = _FROZEN
    name: str
    region: str
    shift_start_hour: float
    shift_end_hour: float
