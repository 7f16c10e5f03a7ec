"""Inventories per layer: products (TMF637), services (TMF638), resources (TMF639).

The resource inventory is the order manager's view of which pool slots are taken: every
allocated slot has exactly one record, keyed by (pool name, slot). Product and service
records are written when their order item completes; a modify changes them in place, a
suspend or resume changes their status, a cease closes them (``terminated``) and frees
the resources.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from network_model import PoolKind, ResourcePool
from om.commercial import DAYS_PER_MONTH, NO_CHARGES, Charges
from om.ids import IdSource
from om.orders import Activation


class Product:
    """A product instance (TMF637 Product) at one service address."""

    __slots__ = ("id", "offering", "place", "customer", "status", "start_s",
                 "billing_start_s", "order_item", "service_ids", "characteristics",
                 "end_s", "charges", "term_start_s", "term_end_s")

    def __init__(self, id: str, offering: str, place: str, customer: str, start_s: float,
                 order_item: str, service_ids: tuple[str, ...],
                 characteristics: dict[str, Any], charges: Charges = NO_CHARGES) -> None:
        self.id = id
        self.offering = offering
        self.place = place
        self.customer = customer
        self.status = "active"  # TMF637 ProductStatusType: active | suspended | terminated
        self.start_s = start_s
        self.end_s: float | None = None  # when a cease terminated it (billing ends)
        self.billing_start_s: float | None = None
        self.order_item = order_item  # correlation id of the creating product order item
        self.service_ids = service_ids
        self.characteristics = characteristics
        # What it is worth (TMF637 productPrice) and when its contract term ends
        # (productTerm; the renewal date), counted from the billing start.
        self.charges = charges
        self.term_start_s: float | None = None
        self.term_end_s: float | None = None

    def bill_from(self, at_s: float, term_months: int | None = None) -> None:
        """Billing starts at ``at_s`` (or, for a renewal, the term restarts there with
        ``term_months``): the contract term runs from then."""
        if term_months is None:
            self.billing_start_s = at_s
            term_months = self.charges.term_months
        elif term_months != self.charges.term_months:
            self.charges = replace(self.charges, term_months=term_months)
        if term_months:
            self.term_start_s = at_s
            self.term_end_s = at_s + term_months * DAYS_PER_MONTH * 86400.0


class Service:
    """A service instance (TMF638 Service): one CFS for one product."""

    __slots__ = ("id", "cfs", "place", "state", "start_s", "correlation_id", "resource_ids",
                 "activations")

    def __init__(self, id: str, cfs: str, place: str, start_s: float, correlation_id: str,
                 resource_ids: tuple[str, ...],
                 activations: tuple[Activation, ...] = ()) -> None:
        self.id = id
        self.cfs = cfs
        self.place = place
        self.state = "active"  # TMF638 ServiceStateType: active | inactive | terminated
        self.start_s = start_s
        self.correlation_id = correlation_id
        self.resource_ids = resource_ids
        # What the completed add items that configured it left on the elements
        # (om.orders.Activation, not the items: those would keep their order alive): a
        # cease undoes them, a modify changes them.
        self.activations = activations


class Resource:
    """A resource instance (TMF639 Resource): one pool slot held for a subscriber."""

    __slots__ = ("id", "kind", "pool", "slot", "key", "element", "correlation_id", "status",
                 "since_s")

    def __init__(self, id: str, pool: ResourcePool, slot: int, element: str,
                 correlation_id: str, since_s: float) -> None:
        self.id = id
        self.kind: PoolKind = pool.kind
        self.pool = pool
        self.slot = slot
        # (pool name, slot): the inventory's key, and the element's for what it holds.
        self.key = (pool.name, slot)
        self.element = element
        self.correlation_id = correlation_id
        self.status = "reserved"  # TMF639 resourceStatus; "available" once committed
        self.since_s = since_s

    @property
    def value(self) -> str:
        """The identifier an engineer would recognise (``10.1.0.17``), formatted when
        asked: most records are never looked at, and formatting costs more than the slot."""
        return self.pool.identifier(self.slot)


class ProductInventory:
    """Products by id. ``keep_terminated=False`` forgets a product once a cease closed it
    (a batch run: memory follows the customers there are, not those there were)."""

    def __init__(self, keep_terminated: bool = True) -> None:
        self.products: dict[str, Product] = {}
        self.keep_terminated = keep_terminated
        self._ids = IdSource("PRD")

    def add(self, offering: str, place: str, customer: str, start_s: float, order_item: str,
            service_ids: tuple[str, ...], characteristics: dict[str, Any],
            charges: Charges = NO_CHARGES) -> Product:
        product = Product(self._ids(), offering, place, customer, start_s, order_item,
                          service_ids, characteristics, charges)
        self.products[product.id] = product
        return product

    def active(self) -> list[Product]:
        return [p for p in self.products.values() if p.status == "active"]

    def terminate(self, product_id: str, at_s: float) -> None:
        """Close a ceased product: terminated, billing ends."""
        product = self.products[product_id]
        product.status = "terminated"
        product.end_s = at_s
        if not self.keep_terminated:
            del self.products[product_id]


class ServiceInventory:
    """Services by id. ``keep_terminated=False`` forgets a service once it closed."""

    def __init__(self, keep_terminated: bool = True) -> None:
        self.services: dict[str, Service] = {}
        self.keep_terminated = keep_terminated
        self._ids = IdSource("SVC")

    def add(self, cfs: str, place: str, start_s: float, correlation_id: str,
            resource_ids: tuple[str, ...]) -> Service:
        service = Service(self._ids(), cfs, place, start_s, correlation_id, resource_ids)
        self.services[service.id] = service
        return service

    def terminate(self, service_id: str) -> None:
        """Close a ceased service: it holds no resources any more."""
        service = self.services[service_id]
        service.state = "terminated"
        service.resource_ids = ()
        Activation.release(service.activations)
        service.activations = ()
        if not self.keep_terminated:
            del self.services[service_id]


class ResourceInventory:
    """Which pool slots the order manager holds, and for whom."""

    def __init__(self) -> None:
        self.by_slot: dict[tuple[str, int], Resource] = {}
        self.by_id: dict[str, Resource] = {}
        self.in_use_by_kind: Counter[PoolKind] = Counter()
        self._ids = IdSource("RES")

    def reserve(self, pool: ResourcePool, element: str, correlation_id: str,
                at_s: float) -> Resource:
        """Allocate a slot from ``pool`` and record it; PoolExhausted propagates."""
        slot = pool.allocate()
        resource = Resource(self._ids(), pool, slot, element, correlation_id, at_s)
        if resource.key in self.by_slot:  # the pool handed out a slot we already hold: a bug
            raise AssertionError(f"{pool.name} slot {slot} allocated twice")
        self.by_slot[resource.key] = resource
        self.by_id[resource.id] = resource
        self.in_use_by_kind[pool.kind] += 1
        return resource

    def commit(self, resource: Resource) -> None:
        resource.status = "available"

    def reconcile(self, resource: Resource) -> None:
        """The network already uses this slot (inventory drift, found by an engineer):
        keep it allocated, owned by nobody, so it is never handed out again."""
        resource.status = "reconciled"
        resource.correlation_id = "reconciled"

    def reconciled(self) -> list[Resource]:
        return [r for r in self.by_id.values() if r.status == "reconciled"]

    def release(self, resource: Resource) -> None:
        """Return the slot to its pool and close the record."""
        del self.by_slot[resource.key]
        del self.by_id[resource.id]
        self.in_use_by_kind[resource.kind] -= 1
        resource.pool.release(resource.slot)
        resource.status = "terminated"

    def __len__(self) -> int:
        return len(self.by_slot)
