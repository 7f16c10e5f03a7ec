"""Frozen pydantic specs of the network: how big it is and what each element is.

Specs are validated once, when a scenario is loaded; the engine keeps them and never
re-validates. Defaults are the reference numbers a telco engineer would recognise.
"""

from __future__ import annotations

import math
from typing import Literal

from faker.config import AVAILABLE_LOCALES
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

# Bounds a generated network must stay within, and why.
MAX_HOMES = 10_000_000  # addresses generated (~280 bytes and ~50 us each): a big city
CGNAT_ADDRESSES = 2**22  # IPv4 pools are carved from 100.64.0.0/10, the shared CGN space
FIRST_S_VLAN, LAST_S_VLAN = 101, 4094  # one S-VLAN per OLT line card behind a BNG


class NetworkSize(BaseModel):
    """How large a network the generator builds (part of a scenario)."""

    model_config = _FROZEN

    exchanges: int = Field(3, ge=1, le=500)
    olts_per_exchange: int = Field(3, ge=1, le=64)
    line_cards_per_olt: int = Field(16, ge=1, le=32)
    pon_ports_per_line_card: int = Field(16, ge=1, le=64)
    split_ratio: Literal[32, 64] = 32
    homes_per_pon_port: int | None = Field(
        None, ge=1, le=100_000,
        description="service addresses passed per PON port (default: split ratio)"
    )
    unserviceable_addresses: int = Field(
        0, ge=0, description="addresses in the address database that no PON port serves"
    )
    off_net_share: float = Field(
        0.0, ge=0, le=0.5, description="share of the address database outside our "
        "footprint that a wholesale partner's line reaches (off-net addresses)")
    bngs: int = Field(2, ge=1, le=64)
    bng_session_capacity: int = Field(32000, ge=1, le=1_000_000)
    ipv4_pool_prefix_length: int = Field(20, ge=8, le=30)
    ipv4_pools_per_bng: int = Field(1, ge=1, le=64)
    phone_numbers: int = Field(10000, ge=0, le=10_000_000)
    regions: int = Field(2, ge=1, le=100, description="workforce regions (exchanges are "
                         "dealt round-robin)")
    locale: str = "en_GB"

    @property
    def pon_ports(self) -> int:
        return (self.exchanges * self.olts_per_exchange * self.line_cards_per_olt
                * self.pon_ports_per_line_card)

    @property
    def homes_passed(self) -> int:
        """Serviceable addresses the generator creates: one run of homes per PON port."""
        return self.pon_ports * (self.homes_per_pon_port or self.split_ratio)

    @property
    def off_net_addresses(self) -> int:
        """Off-net addresses the generator adds: ``off_net_share`` of all addresses."""
        share = self.off_net_share
        return round(share / (1 - share) * (self.homes_passed + self.unserviceable_addresses))

    @field_validator("unserviceable_addresses")
    @classmethod
    def _mostly_serviceable(cls, value: int, info: ValidationInfo) -> int:
        d = info.data
        sizes = ("exchanges", "olts_per_exchange", "line_cards_per_olt",
                 "pon_ports_per_line_card", "split_ratio")
        if any(d.get(k) is None for k in sizes):
            return value  # an earlier field failed and is reported on its own
        passed = math.prod(d[k] for k in sizes[:4]) * (d.get("homes_per_pon_port")
                                                       or d["split_ratio"])
        if value > passed:
            raise PydanticCustomError(
                "too_many", "{value} is more than the {passed} homes the network passes "
                "(exchanges x olts_per_exchange x line_cards_per_olt x "
                "pon_ports_per_line_card x homes_per_pon_port): an address database is "
                "mostly addresses the network serves",
                {"value": f"{value:,}", "passed": f"{passed:,}"})
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in AVAILABLE_LOCALES:
            raise PydanticCustomError(
                "locale", "'{value}' is not a Faker locale (e.g. en_GB, en_US, de_DE, fr_FR)",
                {"value": value})
        return value

    @model_validator(mode="after")
    def _buildable(self) -> NetworkSize:
        homes = self.homes_passed + self.unserviceable_addresses + self.off_net_addresses
        if homes > MAX_HOMES:
            raise PydanticCustomError(
                "too_big", "the network has {homes} addresses (exchanges x olts_per_exchange x "
                "line_cards_per_olt x pon_ports_per_line_card x homes_per_pon_port, plus "
                "unserviceable and off-net addresses); at most {most}",
                {"homes": f"{homes:,}", "most": f"{MAX_HOMES:,}"})
        # Exchanges are dealt round-robin over the BNGs; each OLT line card behind a BNG
        # takes one S-VLAN there, and 802.1Q has ids up to 4094.
        exchanges_per_bng = -(-self.exchanges // self.bngs)
        s_vlans = exchanges_per_bng * self.olts_per_exchange * self.line_cards_per_olt
        if s_vlans > LAST_S_VLAN - FIRST_S_VLAN + 1:
            raise PydanticCustomError(
                "too_big", "BNG01 would terminate {s_vlans} S-VLANs, one per OLT line card "
                "behind it, but VLAN ids {first}..{last} give {most}: add bngs, or fewer "
                "exchanges, olts_per_exchange or line_cards_per_olt",
                {"s_vlans": f"{s_vlans:,}", "first": FIRST_S_VLAN, "last": LAST_S_VLAN,
                 "most": f"{LAST_S_VLAN - FIRST_S_VLAN + 1:,}"})
        addresses = self.bngs * self.ipv4_pools_per_bng * 2 ** (32 - self.ipv4_pool_prefix_length)
        if addresses > CGNAT_ADDRESSES:
            raise PydanticCustomError(
                "too_big", "the IPv4 pools need {addresses} addresses (bngs x "
                "ipv4_pools_per_bng x 2^(32 - ipv4_pool_prefix_length)) but they come from "
                "100.64.0.0/10, which has {most}: raise ipv4_pool_prefix_length or use "
                "fewer pools", {"addresses": f"{addresses:,}", "most": f"{CGNAT_ADDRESSES:,}"})
        return self


class Roster(BaseModel):
    """The field workforce: technicians spread evenly over the regions, one daily shift."""

    model_config = _FROZEN

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
    """An optical line terminal in an exchange: line cards of GPON ports (each port, its
    S-VLAN and its ONT ids are a :class:`network_model.PonPort`)."""

    model_config = _FROZEN
    name: str
    exchange: str
    line_cards: int
    ports_per_line_card: int


class BngSpec(BaseModel):
    """A broadband network gateway (its session and IPv4 pools are the network's
    ``session_pools`` and ``ipv4_pools``)."""

    model_config = _FROZEN
    name: str


class TechnicianSpec(BaseModel):
    """A field technician of a regional crew, with a daily shift (hours of the day)."""

    model_config = _FROZEN
    name: str
    region: str
    shift_start_hour: float
    shift_end_hour: float
