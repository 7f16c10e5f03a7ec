"""The scenario's schema: pydantic models of what a scenario file may say.

A scenario says how big the network is, which catalog to use, what arrives and how
fast, how elements and the workforce behave, what goes wrong when (``faults``), and for
how long to simulate. Every number has a range that makes sense (the README's scenario
reference lists them with their reasons, :mod:`sim.scenario.limits` the shared bounds):
finite, and small enough that a run ends in reasonable time and memory. Ranges that
depend on other fields or on the catalog are checked after the schema, by
:func:`sim.scenario.load.scenario_from_dict`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from network_model import NetworkSize, Roster
from om import Catalog, load_catalog
from om.commercial import TERM
from sim.scenario.distributions import Distribution, LogNormal, Triangular, Uniform
from sim.scenario.faults import Fault
from sim.scenario.limits import MAX_DAYS, MAX_RATE_PER_DAY, MAX_SEED
from sim.scenario.partners import PartnerSettings
from sim.scenario.profiles import RateProfile
from sim.units import DAY_S

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)

# A scenario's name names its report file (reports/<name>-seed<N>.json): letters, digits,
# '_', '.', '-', starting with a letter or digit, so it can never leave the directory.
_SAFE_NAME = re.compile(r"\w[\w.-]{0,99}")


class RetrySettings(BaseModel):
    """ROM's policy towards one adapter: tries, timeout, exponential backoff, jitter."""

    model_config = _STRICT
    attempts: int = Field(3, ge=1, le=100)
    timeout_s: float = Field(60.0, gt=0, le=DAY_S)
    backoff_s: float = Field(30.0, ge=0, le=DAY_S)
    backoff_factor: float = Field(2.0, ge=1, le=10)
    jitter: float = Field(0.2, ge=0, lt=1)


class ElementSettings(BaseModel):
    """How an element kind behaves: configuration latency, NETCONF sessions, errors,
    lost answers, and ROM's retry policy towards it."""

    model_config = _STRICT
    latency_s: Distribution = LogNormal(dist="lognormal", mean=3.0, sd=1.5)
    max_parallel_edits: int = Field(4, ge=1, le=100000)
    error_rate: float = Field(0.0, ge=0, le=1, description="activation error probability")
    operation_error_rates: dict[Literal["activate", "deactivate", "modify"],
                                Annotated[float, Field(ge=0, le=1)]] = {}
    lost_answer_rate: float = Field(0.0, ge=0, le=1,
                                    description="share of answers lost or very late")
    late_answer_s: float = Field(3600.0, gt=0, le=30 * DAY_S,
                                 description="delay of a lost answer")
    retry: RetrySettings = RetrySettings()


class WorkforceSettings(Roster):
    """The field workforce: roster plus travel, install and appointment lead times."""

    travel_min: Distribution = Uniform(dist="uniform", low=15, high=45)
    install_min: Distribution = Triangular(dist="triangular", low=90, mode=120, high=180)
    appointment_lead_days: Distribution = Uniform(dist="uniform", low=1, high=5)
    no_show_rate: float = Field(0.0, ge=0, le=1, description="customer not home at a visit")
    no_show_per_wait_day: float = Field(
        0.0, ge=0, le=1, description="added no-show probability per day a visit waited")
    reschedules: int = Field(2, ge=0, le=20, description="new appointments after no-shows")


class OperationsSettings(BaseModel):
    """The operations team working the fallout queue."""

    model_config = _STRICT
    enabled: bool = True
    staff: int = Field(4, ge=1, le=10000)
    handling_min: Distribution = LogNormal(dist="lognormal", mean=45, sd=20)
    fix_success: float = Field(0.8, ge=0, le=1, description="probability a manual fix works")


class OrderManagementSettings(BaseModel):
    """How the order manager reacts to failures."""

    model_config = _STRICT
    retries: bool = Field(True, description="false: one try per request, no retry")
    on_item_failure: Literal["partial", "fail_order"] = "partial"
    operations: OperationsSettings = OperationsSettings()


class EscalationSettings(BaseModel):
    """What the order manager does about an order in jeopardy (om.escalation): each of
    ``actions`` in turn; ``escalate`` hands a case to ``supervisors`` who each take
    ``handling_hours`` per case."""

    model_config = _STRICT
    enabled: bool = True
    actions: list[Literal["expedite", "escalate", "notify"]] = Field(
        ["expedite", "notify"], min_length=1, max_length=3)
    supervisors: int = Field(2, ge=1, le=10000)
    handling_hours: Distribution = LogNormal(dist="lognormal", mean=4.0, sd=2.0)


class ChurnSettings(BaseModel):
    """Customers leave after a holding time: a cease order returns their resources."""

    model_config = _STRICT
    holding_days: Distribution | None = None
    cease_all_at_end: bool = Field(
        False, description="cease every customer at the end and drain (leak checks)")


OrderType = Literal["provide", "modify", "cease", "move", "suspend", "resume", "renew",
                    "cancel", "amend"]


class ApprovalSettings(BaseModel):
    """The approvers who decide orders that match a catalog approval rule."""

    model_config = _STRICT
    approvers: int = Field(2, ge=1, le=10000)
    response_hours: Distribution = LogNormal(dist="lognormal", mean=4.0, sd=3.0)
    rejection_rate: float = Field(0.05, ge=0, le=1)


class Arrival(BaseModel):
    """A Poisson stream of orders of one type for one offering (or, with ``at_day``, a
    single order at that time); ``sites`` items per provide order (> 1: bulk).
    ``profile`` names one of the scenario's ``rate_profiles``: the stream is then a
    non-homogeneous Poisson process whose rate follows it (``rate_per_day`` is the
    average of a week without bursts).

    ``provide`` creates products; ``modify`` (to ``characteristics``), ``cease``,
    ``move``, ``suspend``, ``resume`` and ``renew`` (a new contract term,
    ``characteristics: {contract_term_months: N}``) act on an existing product of the
    offering;
    ``cancel`` and ``amend`` (to ``characteristics``) act on an order of the offering
    in flight. When there is nothing to act on, the arrival is skipped.
    """

    model_config = _STRICT
    offering: str = Field(min_length=1)
    order_type: OrderType = "provide"
    rate_per_day: float | None = Field(None, gt=0, le=MAX_RATE_PER_DAY)
    at_day: float | None = Field(None, ge=0, le=MAX_DAYS, description="one order at this time")
    sites: int = Field(1, ge=1, le=5000)
    characteristics: dict[str, Any] = {}
    profile: str | None = Field(None, min_length=1, description="a rate_profiles entry")

    @model_validator(mode="after")
    def _one_timing(self) -> Arrival:
        if (self.rate_per_day is None) == (self.at_day is None):
            raise ValueError("give either rate_per_day (a Poisson stream) or at_day "
                             "(one order)")
        if self.profile is not None and self.at_day is not None:
            raise ValueError("a profile shapes a stream's rate (rate_per_day), not a "
                             "single order at at_day")
        if self.order_type in ("modify", "amend") and not self.characteristics:
            raise ValueError(f"a {self.order_type} arrival needs the 'characteristics' "
                             f"it changes")
        if self.order_type == "renew" and set(self.characteristics) != {TERM}:
            raise ValueError(f"a renew arrival needs 'characteristics: {{{TERM}: <months>}}'"
                             f" and nothing else (a renewal changes the contract term only)")
        return self


class Scenario(BaseModel):
    """A complete, validated scenario."""

    model_config = _STRICT
    name: str = Field(min_length=1)
    description: str = Field("", max_length=10_000)
    seed: int = Field(1, ge=0, le=MAX_SEED)
    duration_days: float = Field(gt=0, le=MAX_DAYS)
    warmup_days: float = Field(0, ge=0)
    catalog: str = Field("catalog.yaml", min_length=1)
    network: NetworkSize = NetworkSize()
    workforce: WorkforceSettings = WorkforceSettings()
    elements: dict[str, ElementSettings] = {}
    partners: dict[str, PartnerSettings] = Field({}, max_length=100)
    arrivals: list[Arrival] = Field(min_length=1, max_length=1000)
    rate_profiles: dict[str, RateProfile] = Field({}, max_length=1000)
    order_management: OrderManagementSettings = OrderManagementSettings()
    churn: ChurnSettings = ChurnSettings()
    approvals: ApprovalSettings | None = None
    escalation: EscalationSettings | None = None
    jeopardy_share: float = Field(0.8, gt=0, lt=1, description="share of the SLA that "
                                  "raises jeopardy")
    faults: list[Fault] = Field([], max_length=1000)
    thresholds: list[Annotated[str, Field(max_length=1000)]] = Field([], max_length=1000)
    partition: Literal["regions"] | None = Field(
        None, description="regions: the regions share nothing an order contends for, so "
        "each may run in a process of its own (checked by sim.scenario.partition)")

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _source: str = PrivateAttr(default="<scenario>")
    _catalog: Catalog | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _safe_file_name(cls, value: str) -> str:
        if not _SAFE_NAME.fullmatch(value):
            raise PydanticCustomError(
                "file_name", "'{value}' is not a safe file name (it names the report, "
                "reports/<name>-seed<N>.json): use letters, digits, '_', '.' and '-', "
                "start with a letter or digit, at most 100 characters", {"value": value})
        return value

    @model_validator(mode="after")
    def _warmup_inside_run(self) -> Scenario:
        if self.warmup_days >= self.duration_days:
            raise ValueError("warmup_days must be shorter than duration_days")
        return self

    @property
    def catalog_path(self) -> Path:
        return (self._base_dir / self.catalog).resolve()

    def load_catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(self.catalog_path)
        return self._catalog

    def element_settings(self, kind: str) -> ElementSettings:
        return self.elements.get(kind) or ElementSettings()

    def partner_settings(self, name: str) -> PartnerSettings:
        return self.partners.get(name) or PartnerSettings()
