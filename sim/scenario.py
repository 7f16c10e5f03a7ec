"""The scenario file: schema (pydantic) and :func:`load_scenario`.

A scenario says how big the network is, which catalog to use, what arrives and how
fast, how elements and the workforce behave, and for how long to simulate. Bad files
get one error naming the file, the field path and the reason, never a traceback.

Every number has a range that makes sense (the README's scenario reference lists them
with their reasons): finite, and small enough that a run ends in reasonable time and
memory. Some ranges depend on other fields or on the catalog; they are checked after
the schema, in :func:`scenario_from_dict`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from network_model import NetworkSize, Roster
from om import Catalog, CatalogError, ScenarioError, load_catalog
from om.config_files import read_yaml
from om.errors import UsageError, describe_validation
from sim.distributions import Distribution, LogNormal, Triangular, Uniform
from sim.faults import Fault

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)

MAX_DAYS = 3660  # ten years of simulated time
MAX_SEED = 2**63 - 1  # a signed 64-bit integer: stored exactly by SQLite and JSON readers
MAX_RATE_PER_DAY = 1_000_000.0  # one stream: ~12 orders a simulated second
# Order items one run may expect (rate x duration x sites, summed): ten times the largest
# benchmark (1 M orders); beyond it memory, not patience, runs out.
MAX_ORDER_ITEMS = 10_000_000
# A scenario's name names its report file (reports/<name>-seed<N>.json): letters, digits,
# '_', '.', '-', starting with a letter or digit, so it can never leave the directory.
_SAFE_NAME = re.compile(r"\w[\w.-]{0,99}")


class RetrySettings(BaseModel):
    """ROM's policy towards one adapter: tries, timeout, exponential backoff, jitter."""

    model_config = _STRICT
    attempts: int = Field(3, ge=1, le=100)
    timeout_s: float = Field(60.0, gt=0, le=86400)
    backoff_s: float = Field(30.0, ge=0, le=86400)
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
    late_answer_s: float = Field(3600.0, gt=0, le=30 * 86400,
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
    rate_per_day: float | None = Field(None, gt=0, le=MAX_RATE_PER_DAY)
    at_day: float | None = Field(None, ge=0, le=MAX_DAYS, description="one order at this time")
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
    description: str = Field("", max_length=10_000)
    seed: int = Field(1, ge=0, le=MAX_SEED)
    duration_days: float = Field(gt=0, le=MAX_DAYS)
    warmup_days: float = Field(0, ge=0)
    catalog: str = Field("catalog.yaml", min_length=1)
    network: NetworkSize = NetworkSize()
    workforce: WorkforceSettings = WorkforceSettings()
    elements: dict[str, ElementSettings] = {}
    arrivals: list[Arrival] = Field(min_length=1, max_length=1000)
    order_management: OrderManagementSettings = OrderManagementSettings()
    churn: ChurnSettings = ChurnSettings()
    approvals: ApprovalSettings | None = None
    jeopardy_share: float = Field(0.8, gt=0, lt=1, description="share of the SLA that "
                                  "raises jeopardy")
    faults: list[Fault] = Field([], max_length=1000)
    thresholds: list[Annotated[str, Field(max_length=1000)]] = Field([], max_length=1000)

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
        configurable = offering.configurable
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
    _check_timeline(scenario, source)
    _check_workforce(scenario, catalog, source)
    return scenario


def _check_timeline(scenario: Scenario, source: str) -> None:
    """One-shot orders and faults inside the run; a run of bounded size."""
    days = scenario.duration_days
    for n, arrival in enumerate(scenario.arrivals):
        if arrival.at_day is not None and arrival.at_day >= days:
            raise ScenarioError(f"{source}: arrivals.{n}.at_day: {arrival.at_day:g} is not "
                                f"before the end of the run (duration_days {days:g})")
    for n, fault in enumerate(scenario.faults):
        if fault.from_days >= days:
            raise ScenarioError(f"{source}: faults.{n}.from_days: {fault.from_days:g} is not "
                                f"before the end of the run (duration_days {days:g})")
    items = sum(a.rate_per_day * days * a.sites for a in scenario.arrivals
                if a.rate_per_day is not None)
    if items > MAX_ORDER_ITEMS:
        raise ScenarioError(
            f"{source}: arrivals: about {items:,.0f} order items in {days:g} days "
            f"(rate_per_day x duration_days x sites, summed over the arrivals); one run "
            f"holds at most {MAX_ORDER_ITEMS:,}: lower the rates or shorten the run")


def _check_workforce(scenario: Scenario, catalog: Catalog, source: str) -> None:
    """Installs need a technician in every region that has exchanges, or they never end."""
    installs = sorted({a.offering for a in scenario.arrivals
                       if a.order_type in ("provide", "move")
                       and _needs_visit(catalog, a.offering)})
    if not installs:
        return
    size = scenario.network
    regions = min(size.regions, size.exchanges)  # regions past the exchanges serve nobody
    technicians = scenario.workforce.technicians
    if technicians < regions:
        short = "0" if not technicians else (
            f"{technicians} leaves {regions - technicians} of the {regions} regions with "
            f"exchanges without a technician")
        raise ScenarioError(
            f"{source}: workforce.technicians: {short}, but '{installs[0]}' needs an "
            f"install visit, so its orders{' there' if technicians else ''} would never "
            f"complete: give at least "
            f"{regions} (one per region with exchanges)")


def _needs_visit(catalog: Catalog, offering: str) -> bool:
    plan = catalog.offering(offering)
    return plan is not None and any(r.element == "workforce" for c in plan.cfs for r in c.rfs)


def check_seed(seed: int | None, option: str = "--seed") -> int | None:
    """A seed given on the command line, in the scenario's range; ``None`` passes."""
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UsageError(f"{option} {seed}: a seed is an integer from 0 to 2**63-1 "
                         f"({MAX_SEED})")
    return seed


def load_scenario(path: Path | str, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a scenario file; ``overrides`` maps dotted paths to values (e.g. sweeps)."""
    path = Path(path)
    raw = read_yaml(path, "scenario", ScenarioError)
    if overrides and isinstance(raw, dict):
        for dotted, value in overrides.items():
            set_path(raw, dotted, value, str(path))
    return scenario_from_dict(raw, str(path), path.parent)


def set_path(raw: dict[str, Any], dotted: str, value: Any, source: str = "<scenario>") -> None:
    """Set ``raw['a']['b'] = value`` for ``dotted`` = ``'a.b'`` (list indexes allowed).

    Missing mappings are created (the schema then names a misspelt key); a path through
    something that is not a mapping, or to a list entry that does not exist, raises
    :class:`ScenarioError` naming the path and what is there.
    """
    keys = dotted.split(".")
    if not all(keys):
        raise ScenarioError(f"{source}: --set {dotted}: empty part in the path")
    node: Any = raw
    for depth, key in enumerate(keys):
        where = ".".join(keys[:depth]) or "the scenario"
        last = depth == len(keys) - 1
        if isinstance(node, list):
            if not key.isascii() or not key.isdigit():
                raise ScenarioError(f"{source}: --set {dotted}: '{key}' is not an index of "
                                    f"{where} (a list of {len(node)} entries: 0 to "
                                    f"{len(node) - 1})")
            if int(key) >= len(node):
                raise ScenarioError(f"{source}: --set {dotted}: {where} has {len(node)} "
                                    f"entries (0 to {len(node) - 1}), no {key}")
            if last:
                node[int(key)] = value
            else:
                node = node[int(key)]
        elif isinstance(node, dict):
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:
            raise ScenarioError(f"{source}: --set {dotted}: {where} is {node!r}, not a "
                                f"mapping or a list")
