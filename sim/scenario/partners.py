"""What a scenario may say about a partner (``partners: {name: ...}``): how long it
takes, how often it refuses or fails and why, how much it takes on at once, when it
no longer lets an order be cancelled, and how our gateway talks to it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.distributions import Distribution, LogNormal, Uniform
from sim.units import DAY_S

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)

# The partner's error codes (om.partners.PARTNER_CODES maps them onto fallout causes).
RejectionCode = Literal["no_capacity", "address_unknown"]
FailureCode = Literal["lost", "damaged", "not_home", "wrong_address"]
Share = Annotated[float, Field(ge=0, le=1)]


class PartnerGatewaySettings(BaseModel):
    """How our gateway talks to the partner: tries per request, the wait for each
    answer, the pause between tries, and how long an accepted order may take before it
    is given up (``partner_timeout``) and cancelled at the partner."""

    model_config = _STRICT
    attempts: int = Field(3, ge=1, le=100)
    answer_timeout_s: float = Field(60.0, gt=0, le=DAY_S)
    backoff_s: float = Field(300.0, ge=0, le=DAY_S)
    deadline_days: float = Field(21.0, gt=0, le=365)


class PartnerSettings(BaseModel):
    """One emulated partner.

    An order it accepts completes after ``lead_days`` (times a surge's factor), unless
    it fails at the end with one of ``failures`` (shares of accepted orders). At
    submission it refuses ``rejections`` (shares) and, with ``capacity`` orders open,
    every further one (``no_capacity``). ``partial_rate`` of accepted orders are
    accepted in part and ``delay_rate`` announce a delay of ``delay_days`` half-way:
    both are jeopardy from the partner's side. Past ``no_return_share`` of its lead
    time (the parcel shipped) an order can no longer be cancelled. Asked to hurry (our
    order was escalated), it cuts what is left of an order's lead time to
    ``expedited_share`` of it.
    """

    model_config = _STRICT
    lead_days: Distribution = LogNormal(dist="lognormal", mean=2.0, sd=1.0)
    answer_s: float = Field(2.0, ge=0, le=3600, description="API answer latency")
    capacity: int = Field(100_000, ge=1, le=10_000_000, description="orders open at once")
    rejections: dict[RejectionCode, Share] = {}
    failures: dict[FailureCode, Share] = {}
    partial_rate: float = Field(0.0, ge=0, le=1)
    partial_extra_days: Distribution = Uniform(dist="uniform", low=1, high=3)
    delay_rate: float = Field(0.0, ge=0, le=1)
    delay_days: Distribution = Uniform(dist="uniform", low=1, high=5)
    no_return_share: float = Field(0.5, ge=0, le=1)
    expedited_share: float = Field(0.5, ge=0, le=1, description="what is left of an "
                                   "order's lead time when we ask it to hurry")
    gateway: PartnerGatewaySettings = PartnerGatewaySettings()

    @model_validator(mode="after")
    def _shares(self) -> PartnerSettings:
        for name in ("rejections", "failures"):
            total = sum(getattr(self, name).values())
            if total > 1:
                raise ValueError(f"{name}: shares add up to {total:g}, more than 1")
        return self
