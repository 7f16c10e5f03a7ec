"""Loading a scenario: :func:`load_scenario` reads the file, applies overrides (sweeps),
validates it against the schema and then against its catalog and itself.

Bad files get one error naming the file, the field path and the reason, never a
traceback. What the schema alone cannot judge is checked here: offerings and
characteristics against the catalog, one-shot orders and faults inside the run, the size
of the run, technicians for every region that needs install visits, and that the regions
of a ``partition: regions`` scenario share nothing (:mod:`sim.scenario.partition`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from om import Catalog, CatalogError, ScenarioError
from om.commercial import TERM
from om.config_files import read_yaml
from om.errors import UsageError, describe_validation
from sim.scenario.limits import MAX_ORDER_ITEMS, MAX_SEED
from sim.scenario.partition import check_partition
from sim.scenario.schema import Scenario


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
        # A renewal's contract term is commercial: the product has it, no RFS does.
        unknown = sorted(set(arrival.characteristics) - configurable
                         - ({TERM} if arrival.order_type == "renew" else set()))
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
    check_partition(scenario, catalog, source)
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
    profiles = scenario.rate_profiles
    for n, arrival in enumerate(scenario.arrivals):
        if arrival.profile is not None and arrival.profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise ScenarioError(f"{source}: arrivals.{n}.profile: '{arrival.profile}' is "
                                f"not in rate_profiles (known: {known})")
    items = sum(a.rate_per_day * a.sites * (profiles[a.profile].expected_days(days)
                                            if a.profile else days)
                for a in scenario.arrivals if a.rate_per_day is not None)
    if items > MAX_ORDER_ITEMS:
        raise ScenarioError(
            f"{source}: arrivals: about {items:,.0f} order items in {days:g} days "
            f"(rate_per_day x duration_days x sites, with bursts, summed over the "
            f"arrivals); one run holds at most {MAX_ORDER_ITEMS:,}: lower the rates or "
            f"shorten the run")


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


def check_seed(seed: int | None, name: str = "seed") -> int | None:
    """A seed given from outside the scenario, in the scenario's range; ``None`` passes.
    The error calls it ``name`` (the command line says ``--seed``)."""
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UsageError(f"{name} {seed}: a seed is an integer from 0 to 2**63-1 "
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


class OverrideError(ScenarioError):
    """An override's dotted path leads nowhere in the scenario (a list index that is not
    there, a path through a number). ``path`` and ``reason`` let a caller say it in its
    own words (the command line: ``--set PATH``)."""

    def __init__(self, source: str, path: str, reason: str) -> None:
        super().__init__(source, path, reason)  # every argument: the error pickles
        self.source, self.path, self.reason = source, path, reason

    def __str__(self) -> str:
        return f"{self.source}: override {self.path}: {self.reason}"


def set_path(raw: dict[str, Any], dotted: str, value: Any, source: str = "<scenario>") -> None:
    """Set ``raw['a']['b'] = value`` for ``dotted`` = ``'a.b'`` (list indexes allowed).

    Missing mappings are created (the schema then names a misspelt key); a path through
    something that is not a mapping, or to a list entry that does not exist, raises
    :class:`OverrideError` naming the path and what is there.
    """
    keys = dotted.split(".")
    if not all(keys):
        raise OverrideError(source, dotted, "empty part in the path")
    node: Any = raw
    for depth, key in enumerate(keys[:-1]):
        node = _step(node, key, ".".join(keys[:depth]) or "the scenario", source, dotted)
    where = ".".join(keys[:-1]) or "the scenario"
    if isinstance(node, list):
        node[_index(node, keys[-1], where, source, dotted)] = value
    elif isinstance(node, dict):
        node[keys[-1]] = value
    else:
        raise OverrideError(source, dotted, f"{where} is {node!r}, not a mapping or a list")


def _step(node: Any, key: str, where: str, source: str, dotted: str) -> Any:
    """The entry ``key`` of ``node`` on the way down (a missing mapping is created)."""
    if isinstance(node, list):
        return node[_index(node, key, where, source, dotted)]
    if isinstance(node, dict):
        return node.setdefault(key, {})
    raise OverrideError(source, dotted, f"{where} is {node!r}, not a mapping or a list")


def _index(node: list[Any], key: str, where: str, source: str, dotted: str) -> int:
    if not key.isascii() or not key.isdigit():
        raise OverrideError(source, dotted, f"'{key}' is not an index of {where} (a list "
                                            f"of {len(node)} entries: 0 to {len(node) - 1})")
    if int(key) >= len(node):
        raise OverrideError(source, dotted, f"{where} has {len(node)} entries (0 to "
                                            f"{len(node) - 1}), no {key}")
    return int(key)
