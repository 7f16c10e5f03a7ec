"""The scenario file: schema (pydantic) and :func:`load_scenario`.

A scenario says how big the network is, which catalog to use, what arrives and how
fast, how elements and the workforce behave, and for how long to simulate. Bad files
get one error naming the file, the field path and the reason, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from network_model import NetworkSize, Roster
from om import Catalog, CatalogError, ScenarioError, load_catalog
from om.errors import describe_validation
from sim.distributions import Distribution, LogNormal, Triangular, Uniform
from sim.faults import Fault

_STRICT = ConfigDict(extra="forbid")


class RetrySettings(BaseModel):
    """ROM's policy towards one adapter: tries, timeout, exponential backoff, jitter."""

    model_config = _STRICT
    attempts: int = Field(3, ge=1, le=100)
    timeout_s: float = Field(60.0, gt=0)
    backoff_s: float = Field(30.0, ge=0)
    backoff_factor: float = Field(2.0, ge=1)
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
    late_answer_s: float = Field(3600.0, gt=0, description="delay of a lost answer")
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


class ChurnSettings(BaseModel):
    """Customers leave after a holding time: a cease order returns their resources."""

    model_config = _STRICT
    holding_days: Distribution | None = None
    cease_all_at_end: bool = Field(
        False, description="cease every customer at the end and drain (leak checks)")


OrderType = Literal["provide", "modify", "cease", "move", "suspend", "resume", "cancel",
                    "amend"]


class ApprovalSettings(BaseModel):
    """The approvers who decide orders that match a catalog approval rule."""

    model_config = _STRICT
    approvers: int = Field(2, ge=1, le=10000)
    response_hours: Distribution = LogNormal(dist="lognormal", mean=4.0, sd=3.0)
    rejection_rate: float = Field(0.05, ge=0, le=1)


class Arrival(BaseModel):
    """A Poisson stream of orders of one type for one offering (or, with ``at_day``, a
    single order at that time); ``sites`` items per provide order (> 1: bulk).

    ``provide`` creates products; ``modify`` (to ``characteristics``), ``cease``,
    ``move``, ``suspend`` and ``resume`` act on an existing product of the offering;
    ``cancel`` and ``amend`` (to ``characteristics``) act on an order of the offering
    in flight. When there is nothing to act on, the arrival is skipped.
    """

    model_config = _STRICT
    offering: str = Field(min_length=1)
    order_type: OrderType = "provide"
    rate_per_day: float | None = Field(None, gt=0)
    at_day: float | None = Field(None, ge=0, description="one order at this time")
    sites: int = Field(1, ge=1, le=5000)
    characteristics: dict[str, Any] = {}

    @model_validator(mode="after")
    def _one_timing(self) -> Arrival:
        if (self.rate_per_day is None) == (self.at_day is None):
            raise ValueError("give either rate_per_day (a Poisson stream) or at_day "
                             "(one order)")
        if self.order_type in ("modify", "amend") and not self.characteristics:
            raise ValueError(f"a {self.order_type} arrival needs the 'characteristics' "
                             f"it changes")
        return self


class Scenario(BaseModel):
    """A complete, validated scenario."""

    model_config = _STRICT
    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(1, ge=0)
    duration_days: float = Field(gt=0, le=3660)
    warmup_days: float = Field(0, ge=0)
    catalog: str = "catalog.yaml"
    network: NetworkSize = NetworkSize()
    workforce: WorkforceSettings = WorkforceSettings()
    elements: dict[str, ElementSettings] = {}
    arrivals: list[Arrival] = Field(min_length=1)
    order_management: OrderManagementSettings = OrderManagementSettings()
    churn: ChurnSettings = ChurnSettings()
    approvals: ApprovalSettings | None = None
    jeopardy_share: float = Field(0.8, gt=0, lt=1, description="share of the SLA that "
                                  "raises jeopardy")
    faults: list[Fault] = []
    thresholds: list[str] = []

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _source: str = PrivateAttr(default="<scenario>")
    _catalog: Catalog | None = PrivateAttr(default=None)

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


def scenario_from_dict(raw: Any, source: str = "<scenario>",
                       base_dir: Path | None = None) -> Scenario:
    """Validate a scenario mapping and its catalog; raise :class:`ScenarioError`."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping of scenario fields at the top level")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(describe_validation(source, exc)) from None
    scenario._base_dir = base_dir or Path.cwd()
    scenario._source = source
    try:
        catalog = scenario.load_catalog()
    except CatalogError as exc:
        raise ScenarioError(f"{source}: catalog: {exc}") from None
    for n, arrival in enumerate(scenario.arrivals):
        offering = catalog.offering(arrival.offering)
        if offering is None:
            known = ", ".join(sorted(o.name for o in catalog.offerings.values() if o.sellable))
            raise ScenarioError(f"{source}: arrivals.{n}.offering: '{arrival.offering}' is not "
                                f"in catalog {scenario.catalog} (sellable: {known})")
        if not offering.sellable:
            raise ScenarioError(f"{source}: arrivals.{n}.offering: '{arrival.offering}' is "
                                f"only sold inside a bundle")
        configurable = {c for plan in offering.cfs for spec in plan.rfs
                        for c in spec.characteristics}
        unknown = sorted(set(arrival.characteristics) - configurable)
        if unknown:
            raise ScenarioError(f"{source}: arrivals.{n}.characteristics: "
                                f"{', '.join(unknown)} configured by no RFS of "
                                f"'{arrival.offering}' (it has: "
                                f"{', '.join(sorted(configurable)) or 'none'})")
    for kind in scenario.elements:
        if kind not in catalog.element_kinds():
            raise ScenarioError(f"{source}: elements.{kind}: no RFS in the catalog is "
                                f"configured on element kind '{kind}' (known: "
                                f"{', '.join(catalog.element_kinds())})")
    return scenario


def load_scenario(path: Path | str, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a scenario file; ``overrides`` maps dotted paths to values (e.g. sweeps)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ScenarioError(f"{path}: scenario file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, not a scenario file") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML ({exc})") from None
    if overrides and isinstance(raw, dict):
        for dotted, value in overrides.items():
            set_path(raw, dotted, value)
    return scenario_from_dict(raw, str(path), path.parent)


def set_path(raw: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``raw['a']['b'] = value`` for ``dotted`` = ``'a.b'`` (list indexes allowed)."""
    keys = dotted.split(".")
    node: Any = raw
    for key in keys[:-1]:
        if isinstance(node, list):
            node = node[int(key)]
        else:
            node = node.setdefault(key, {})
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
