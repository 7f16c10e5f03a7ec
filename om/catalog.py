"""The product / service / resource catalog: design-time data loaded from YAML.

A product offering decomposes into customer-facing services (CFS), each CFS into
resource-facing services (RFS), each RFS into the pools it draws from and the element
kind that configures it. ``requires`` between CFS build the service order's dependency
DAG. Offerings may be bundles of other offerings. Nothing in om names an offering, a CFS
or an RFS: a new product is a catalog edit.

An RFS is fulfilled either by an element kind (``element``) or by a third party
(``partner``: a logistics partner shipping the CPE, a wholesale operator's access line),
whose order the partner gateway (:mod:`om.partners`) places and follows. A CFS may name
``off_net_rfs``: what it decomposes into at an off-net address (one outside our
footprint that a wholesale partner reaches) instead of ``rfs``.

Each RFS lists the product ``characteristics`` it configures: a modify order touches
only the RFS (and so the CFS) whose characteristics changed. ``approval_rules`` say which
orders wait for an approver (many sites, a deep discount). An offering's
``monthly_charge``, ``one_off_charge`` and ``term_months`` are its commercial terms
(:mod:`om.commercial`).

The file is validated with pydantic once at load; :class:`Catalog` holds compiled,
plain plans (:class:`OfferingPlan`, :class:`CfsPlan`, :class:`RfsSpec`) for the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from network_model import PoolKind
from network_model.topology import ACCESS_ELEMENTS
from om.commercial import NO_CHARGES, Charges
from om.config_files import read_yaml
from om.errors import CatalogError, describe_validation

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RfsModel(BaseModel):
    model_config = _STRICT
    description: str = ""
    element: str | None = Field(None, min_length=1,
                                description="element kind that configures it")
    partner: str | None = Field(None, min_length=1, pattern=r"^[\w.-]+$",
                                description="partner that fulfils it (instead of an element)")
    resources: list[PoolKind] = []
    characteristics: list[str] = Field(
        default=[], description="product characteristics this RFS configures (modify deltas)")


class CfsModel(BaseModel):
    model_config = _STRICT
    description: str = ""
    requires: list[str] = []
    rfs: list[str] = Field(min_length=1)
    off_net_rfs: list[str] = Field(default=[], description="its RFS at an off-net address")


class OfferingModel(BaseModel):
    model_config = _STRICT
    description: str = ""
    segment: str = Field("b2c", description="b2c | b2b | enterprise, for reporting")
    sellable: bool = True
    cfs: list[str] = []
    bundle: list[str] = Field(default=[], description="constituent offerings")
    characteristics: dict[str, Any] = {}
    sla_days: float = Field(14, gt=0, le=3660, description="promised delivery time")
    monthly_charge: float = Field(0, ge=0, le=1e7, description="recurring, per month")
    one_off_charge: float = Field(0, ge=0, le=1e7)
    term_months: int = Field(0, ge=0, le=120, description="contract term")


class ApprovalRuleModel(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1)
    segments: list[str] = Field(default=[], description="only orders of these segments")
    min_items: int | None = Field(None, ge=1, description="orders with this many items")
    min_discount_percent: float | None = Field(
        None, gt=0, le=100, description="any item with characteristic discount_percent >= it")


class CatalogModel(BaseModel):
    model_config = _STRICT
    name: str = "catalog"
    resource_facing_services: dict[str, RfsModel]
    customer_facing_services: dict[str, CfsModel]
    product_offerings: dict[str, OfferingModel]
    approval_rules: list[ApprovalRuleModel] = []
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code")


class RfsSpec:
    """A compiled RFS: what ROM reserves and which element kind activates it.

    A partner's RFS has ``partner`` set and ``element`` ``partner:<name>``: ROM's
    target, and the key of its retry policy (the gateway keeps its own, so it has none).
    """

    __slots__ = ("name", "element", "pools", "characteristics", "partner")

    def __init__(self, name: str, element: str, pools: tuple[PoolKind, ...],
                 characteristics: tuple[str, ...], partner: str | None = None) -> None:
        self.name = name
        self.element = element
        self.pools = pools
        self.characteristics = characteristics
        self.partner = partner

    def __repr__(self) -> str:
        return f"<RfsSpec {self.name} -> {self.element}>"


class CfsPlan:
    """A compiled CFS: its RFS (activated in order), the CFS it requires, and the product
    characteristics its RFS configure. ``off_net_rfs``: its RFS at an off-net address
    (empty: it has no off-net form)."""

    __slots__ = ("name", "rfs", "requires", "characteristics", "off_net_rfs")

    def __init__(self, name: str, rfs: tuple[RfsSpec, ...], requires: tuple[str, ...],
                 off_net_rfs: tuple[RfsSpec, ...] = ()) -> None:
        self.name = name
        self.rfs = rfs
        self.requires = requires
        self.off_net_rfs = off_net_rfs
        self.characteristics = frozenset(c for spec in rfs + off_net_rfs
                                         for c in spec.characteristics)

    @property
    def needs_footprint(self) -> bool:
        """Whether some RFS is configured on an access element (a PON port's path)."""
        return any(spec.element in ACCESS_ELEMENTS for spec in self.rfs)

    def rfs_at(self, off_net: bool) -> tuple[RfsSpec, ...]:
        """The RFS it decomposes into at an on-net or an off-net address."""
        return self.off_net_rfs if off_net and self.off_net_rfs else self.rfs

    def __repr__(self) -> str:
        return f"<CfsPlan {self.name}>"


class OfferingPlan:
    """A compiled offering: its CFS in dependency order, with bundles flattened.

    ``characteristics`` are the offering's default values; ``configurable`` names every
    characteristic some RFS of it configures (what a modify or an amendment may change).
    """

    __slots__ = ("name", "segment", "sellable", "cfs", "constituents", "characteristics",
                 "sla_s", "configurable", "charges")

    def __init__(self, name: str, segment: str, sellable: bool, cfs: tuple[CfsPlan, ...],
                 constituents: tuple[str, ...], characteristics: dict[str, Any],
                 sla_s: float) -> None:
        self.name = name
        self.segment = segment
        self.sellable = sellable
        self.cfs = cfs
        self.constituents = constituents
        self.characteristics = characteristics
        self.sla_s = sla_s
        self.configurable: frozenset[str] = frozenset().union(*(c.characteristics for c in cfs))
        self.charges = NO_CHARGES  # what it is worth (om.commercial), set by the catalog

    @property
    def is_bundle(self) -> bool:
        return bool(self.constituents)

    @property
    def serves_off_net(self) -> bool:
        """Whether it can be provided at an off-net address: every CFS that needs our
        footprint has an off-net form."""
        return all(c.off_net_rfs or not c.needs_footprint for c in self.cfs)

    def __repr__(self) -> str:
        return f"<OfferingPlan {self.name} cfs={[c.name for c in self.cfs]}>"


class ApprovalRule:
    """A compiled approval rule: which orders wait for an approver.

    A rule matches an order by segment and size (``min_items`` sites) or by a deep
    discount (an item characteristic ``discount_percent``).
    """

    __slots__ = ("name", "segments", "min_items", "min_discount_percent")

    def __init__(self, name: str, segments: tuple[str, ...], min_items: int | None,
                 min_discount_percent: float | None) -> None:
        self.name = name
        self.segments = segments
        self.min_items = min_items
        self.min_discount_percent = min_discount_percent

    def matches(self, segment: str, items: int, characteristics: list[dict[str, Any]]) -> bool:
        if self.segments and segment not in self.segments:
            return False
        if self.min_items is not None and items >= self.min_items:
            return True
        if self.min_discount_percent is not None:
            return any(float(c.get("discount_percent", 0)) >= self.min_discount_percent
                       for c in characteristics)
        return False

    def __repr__(self) -> str:
        return f"<ApprovalRule {self.name}>"


class Catalog:
    """The compiled catalog: offering name -> :class:`OfferingPlan`."""

    def __init__(self, model: CatalogModel, source: str = "<catalog>") -> None:
        self.name = model.name
        self.source = source
        self.model = model
        rfs = {n: self._compile_rfs(n, m, source)
               for n, m in model.resource_facing_services.items()}
        cfs: dict[str, CfsPlan] = {}
        for name, m in model.customer_facing_services.items():
            for field, names in (("rfs", m.rfs), ("off_net_rfs", m.off_net_rfs)):
                for i, r in enumerate(names):
                    if r not in rfs:
                        raise CatalogError(f"{source}: customer_facing_services.{name}."
                                           f"{field}.{i}: unknown RFS '{r}'")
            for i, r in enumerate(m.off_net_rfs):
                if rfs[r].element in ACCESS_ELEMENTS:
                    raise CatalogError(f"{source}: customer_facing_services.{name}."
                                       f"off_net_rfs.{i}: '{r}' is configured on "
                                       f"'{rfs[r].element}', which an off-net address "
                                       f"does not reach")
            for i, r in enumerate(m.requires):
                if r not in model.customer_facing_services:
                    raise CatalogError(f"{source}: customer_facing_services.{name}.requires."
                                       f"{i}: unknown CFS '{r}'")
            cfs[name] = CfsPlan(name, tuple(rfs[r] for r in m.rfs), tuple(m.requires),
                                tuple(rfs[r] for r in m.off_net_rfs))
        self._check_acyclic(model, source)
        self.cfs: dict[str, CfsPlan] = cfs
        self.approval_rules: list[ApprovalRule] = []
        for i, r in enumerate(model.approval_rules):
            if r.min_items is None and r.min_discount_percent is None:
                raise CatalogError(f"{source}: approval_rules.{i}: needs 'min_items' or "
                                   f"'min_discount_percent'")
            self.approval_rules.append(ApprovalRule(r.name, tuple(r.segments), r.min_items,
                                                    r.min_discount_percent))
        self.offerings: dict[str, OfferingPlan] = {}
        for name in model.product_offerings:
            self.offerings[name] = self._compile_offering(name, cfs, source, ())

    @staticmethod
    def _compile_rfs(name: str, m: RfsModel, source: str) -> RfsSpec:
        where = f"{source}: resource_facing_services.{name}"
        if (m.element is None) == (m.partner is None):
            raise CatalogError(f"{where}: give either 'element' (an element kind "
                               f"configures it) or 'partner' (a third party fulfils it)")
        if m.partner is not None:
            if m.resources:
                raise CatalogError(f"{where}.resources: a partner's RFS draws from no "
                                   f"pool of ours")
            return RfsSpec(name, f"partner:{m.partner}", (), tuple(m.characteristics),
                           m.partner)
        assert m.element is not None
        if m.element.startswith("partner:"):
            raise CatalogError(f"{where}.element: 'partner:' names a partner; say "
                               f"'partner: {m.element[8:]}' instead")
        return RfsSpec(name, m.element, tuple(m.resources), tuple(m.characteristics))

    @staticmethod
    def _check_acyclic(model: CatalogModel, source: str) -> None:
        graph = nx.DiGraph()
        for name, m in model.customer_facing_services.items():
            graph.add_node(name)
            graph.add_edges_from((r, name) for r in m.requires)
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        path = " -> ".join(a for a, _ in cycle) + f" -> {cycle[0][0]}"
        raise CatalogError(f"{source}: customer_facing_services: cyclic requires ({path})")

    def _compile_offering(self, name: str, cfs: dict[str, CfsPlan], source: str,
                          seen: tuple[str, ...]) -> OfferingPlan:
        m = self.model.product_offerings[name]
        where = f"{source}: product_offerings.{name}"
        if name in seen:
            raise CatalogError(f"{where}.bundle: bundle contains itself "
                               f"({' -> '.join(seen + (name,))})")
        if not m.cfs and not m.bundle:
            raise CatalogError(f"{where}: needs 'cfs' or 'bundle'")
        names: list[str] = []
        for i, c in enumerate(m.cfs):
            if c not in cfs:
                raise CatalogError(f"{where}.cfs.{i}: unknown CFS '{c}'")
            names.append(c)
        characteristics = dict(m.characteristics)
        for i, b in enumerate(m.bundle):
            if b not in self.model.product_offerings:
                raise CatalogError(f"{where}.bundle.{i}: unknown offering '{b}'")
            part = self._compile_offering(b, cfs, source, seen + (name,))
            names.extend(c.name for c in part.cfs if c.name not in names)
            characteristics = {**part.characteristics, **characteristics}
        # A constituent sold only inside bundles may rely on its siblings (voice on internet).
        for c in names if m.sellable else ():
            for r in cfs[c].requires:
                if r not in names:
                    raise CatalogError(f"{where}: CFS '{c}' requires '{r}', which the "
                                       f"offering does not include")
        # Dependency order, ties broken by catalog order so decomposition is deterministic.
        graph = nx.DiGraph()
        graph.add_nodes_from(names)
        graph.add_edges_from((r, c) for c in names for r in cfs[c].requires if r in names)
        ordered = list(nx.lexicographical_topological_sort(graph, key=names.index))
        plan = OfferingPlan(name, m.segment, m.sellable, tuple(cfs[c] for c in ordered),
                            tuple(m.bundle), characteristics, m.sla_days * 86400.0)
        if m.monthly_charge or m.one_off_charge or m.term_months:
            plan.charges = Charges(m.monthly_charge, m.one_off_charge, m.term_months,
                                   self.model.currency)
        return plan

    def offering(self, name: str) -> OfferingPlan | None:
        return self.offerings.get(name)

    def dependants(self, cfs_name: str) -> tuple[str, ...]:
        """The CFS that require ``cfs_name`` (they must go before it in a cease)."""
        return tuple(n for n, p in self.cfs.items() if cfs_name in p.requires)

    def approval_rule(self, segment: str, items: int,
                      characteristics: list[dict[str, Any]]) -> ApprovalRule | None:
        """The first approval rule an order matches, or ``None``."""
        for rule in self.approval_rules:
            if rule.matches(segment, items, characteristics):
                return rule
        return None

    @property
    def charged(self) -> bool:
        """Whether some offering has commercial terms (the report prices revenue then)."""
        # By value: a catalog that crossed a process boundary has its own copies.
        return any(p.charges != NO_CHARGES for p in self.offerings.values())

    def element_kinds(self) -> list[str]:
        """Every element kind some RFS is configured on, sorted (partners aside)."""
        return sorted({m.element for m in self.model.resource_facing_services.values()
                       if m.element is not None})

    def partners(self) -> list[str]:
        """Every partner some RFS is fulfilled by, sorted."""
        return sorted({m.partner for m in self.model.resource_facing_services.values()
                       if m.partner is not None})


def load_catalog(path: Path | str) -> Catalog:
    """Load and compile a catalog file; errors name the file, the field and the reason."""
    path = Path(path)
    return catalog_from_dict(read_yaml(path, "catalog", CatalogError), str(path))


def catalog_from_dict(raw: Any, source: str = "<catalog>") -> Catalog:
    if not isinstance(raw, dict):
        raise CatalogError(f"{source}: expected a mapping at the top level")
    try:
        model = CatalogModel.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(describe_validation(source, exc)) from None
    return Catalog(model, source)
