"""Faults on a timeline: what a scenario's ``faults:`` list may declare.

Each fault is a frozen pydantic model, validated with the scenario; each lasts from
``from_days`` to ``until_days`` (or to the end of the run). These are the specifications
only: :mod:`sim.run.inject` checks them against the network of a run and applies them.

- ``pool_limit``: a pool kind, optionally at one BNG / OLT / PON port, shrinks to
  ``limit`` slots in use (0 = full: nothing more can be allocated).
- ``workforce_absence``: ``technicians`` of a region (or of every region) are off.
- ``element_outage``: an element is down (requests fail as unreachable).
- ``link_cut``: an aggregation link is cut; every OLT behind it becomes unreachable.
- ``lost_answers``: an element kind loses (or answers very late) a share of answers.
- ``element_errors``: an element kind refuses a share of activations.
- ``inventory_drift``: a share of the free slots of a pool kind is already used in the
  network, unknown to the inventory: activation there fails as ``inventory_mismatch``.
- ``partner_outage``: a partner's order API answers nothing (``partner_timeout``).
- ``partner_backlog_surge``: ``orders`` of other customers fill a partner's backlog and
  its lead times stretch by ``lead_time_factor`` (``partner_rejected``: no capacity).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from network_model import PoolKind
from sim.scenario.limits import MAX_DAYS

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class _Window(BaseModel):
    model_config = _STRICT
    from_days: float = Field(0, ge=0, le=MAX_DAYS)
    until_days: float | None = Field(None, gt=0, le=MAX_DAYS,
                                     description="omit: lasts to the end")

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.until_days is not None and self.until_days <= self.from_days:
            raise ValueError("until_days must be after from_days")
        return self


class PoolLimit(_Window):
    kind: Literal["pool_limit"]
    pool: PoolKind
    at: str | None = Field(None, min_length=1, max_length=200,
                           description="a BNG, OLT or PON port name; omit: all")
    limit: int = Field(0, ge=0, le=100_000_000,
                       description="slots that may be in use (0 = full)")


class WorkforceAbsence(_Window):
    kind: Literal["workforce_absence"]
    region: str | None = Field(None, min_length=1, max_length=200)
    technicians: int = Field(ge=1, le=100_000)


class ElementOutage(_Window):
    kind: Literal["element_outage"]
    element: str = Field(min_length=1, max_length=200,
                         description="e.g. bng:BNG01, olt:EX01-OLT02")


class LinkCut(_Window):
    kind: Literal["link_cut"]
    link: tuple[str, str] = Field(description="[exchange, BNG]")


class LostAnswers(_Window):
    kind: Literal["lost_answers"]
    element_kind: str
    rate: float = Field(gt=0, le=1)


class ElementErrors(_Window):
    kind: Literal["element_errors"]
    element_kind: str
    rate: float = Field(gt=0, le=1)


class InventoryDrift(_Window):
    kind: Literal["inventory_drift"]
    pool: PoolKind
    share: float = Field(gt=0, le=1, description="share of free slots already used")


class PartnerOutage(_Window):
    kind: Literal["partner_outage"]
    partner: str = Field(min_length=1, max_length=200)


class PartnerBacklogSurge(_Window):
    kind: Literal["partner_backlog_surge"]
    partner: str = Field(min_length=1, max_length=200)
    orders: int = Field(ge=0, le=10_000_000, description="other customers' orders")
    lead_time_factor: float = Field(1.0, ge=1, le=100)


Fault = Annotated[PoolLimit | WorkforceAbsence | ElementOutage | LinkCut | LostAnswers
                  | ElementErrors | InventoryDrift | PartnerOutage | PartnerBacklogSurge,
                  Field(discriminator="kind")]
