"""Orders of the three layers, shaped after TMF622 (product), TMF641 (service) and
TMF652 (resource): slotted classes, kept plain because the engine holds many of them.

Every item keeps ``correlation_id``: the product order item it descends from, so one
lookup answers "which customer is this resource for?". State is only ever assigned in
:mod:`om.transitions`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class State(StrEnum):
    """TMF order and order-item states (TMF622 ProductOrderStateType and its siblings)."""

    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    PENDING = "pending"
    HELD = "held"
    IN_PROGRESS = "inProgress"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"
    PARTIAL = "partial"
    ASSESSING_CANCELLATION = "assessingCancellation"
    PENDING_CANCELLATION = "pendingCancellation"


TERMINAL = frozenset({State.REJECTED, State.CANCELLED, State.COMPLETED, State.FAILED,
                      State.PARTIAL})


class Action(StrEnum):
    """TMF OrderItemActionType."""

    ADD = "add"
    MODIFY = "modify"
    DELETE = "delete"
    NO_CHANGE = "noChange"


class ProductOrder:
    """A customer's order (TMF622 ProductOrder): one or more product order items."""

    entity = "productOrder"
    __slots__ = ("id", "external_id", "category", "state", "items", "order_date_s",
                 "completion_date_s", "customer", "priority", "service_order",
                 "billing_start_s", "fallout_cause", "manual_touches", "state_reason")

    def __init__(self, id: str, items: list[ProductOrderItem], order_date_s: float,
                 customer: str = "", category: str = "", external_id: str = "",
                 priority: int = 4) -> None:
        self.id = id
        self.external_id = external_id
        self.category = category
        self.state = State.ACKNOWLEDGED
        self.items = items
        self.order_date_s = order_date_s
        self.completion_date_s: float | None = None
        self.customer = customer
        self.priority = priority
        self.service_order: ServiceOrder | None = None
        self.billing_start_s: float | None = None
        self.fallout_cause: str | None = None  # root cause of the first fallout, if any
        self.manual_touches = 0
        self.state_reason = ""  # why the order was rejected, failed or cancelled
        for item in items:
            item.order = self

    @property
    def correlation_id(self) -> str:
        return self.id

    @property
    def key(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"<ProductOrder {self.id} {self.state} items={len(self.items)}>"


class ProductOrderItem:
    """One product at one site (TMF622 ProductOrderItem)."""

    entity = "productOrderItem"
    __slots__ = ("id", "order", "action", "offering", "characteristics", "place", "state",
                 "product_id", "service_items")

    def __init__(self, id: str, action: Action, offering: str, place: str,
                 characteristics: dict[str, Any] | None = None,
                 product_id: str | None = None) -> None:
        self.id = id
        self.order: ProductOrder = None  # type: ignore[assignment]  # set by ProductOrder
        self.action = action
        self.offering = offering
        self.characteristics = characteristics or {}
        self.place = place  # service address id
        self.state = State.ACKNOWLEDGED
        self.product_id = product_id  # the product instance (TMF637) this item creates/changes
        self.service_items: list[ServiceOrderItem] = []

    @property
    def correlation_id(self) -> str:
        return f"{self.order.id}/{self.id}"

    @property
    def key(self) -> str:
        return f"{self.order.id}/{self.id}"

    def __repr__(self) -> str:
        return f"<ProductOrderItem {self.correlation_id} {self.action} {self.state}>"


class ServiceOrder:
    """The service order (TMF641) COM derives from one product order."""

    entity = "serviceOrder"
    __slots__ = ("id", "product_order", "state", "items", "order_date_s", "completion_date_s")

    def __init__(self, id: str, product_order: ProductOrder, order_date_s: float) -> None:
        self.id = id
        self.product_order = product_order
        self.state = State.ACKNOWLEDGED
        self.items: list[ServiceOrderItem] = []
        self.order_date_s = order_date_s
        self.completion_date_s: float | None = None

    @property
    def correlation_id(self) -> str:
        return self.product_order.id

    @property
    def key(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"<ServiceOrder {self.id} {self.state} items={len(self.items)}>"


class ServiceOrderItem:
    """One customer-facing service to add/modify/delete (TMF641 ServiceOrderItem).

    ``requires`` are the items of the same service order that must complete first.
    ``plan`` is the catalog's compiled CFS entry (om.catalog.CfsPlan).
    """

    entity = "serviceOrderItem"
    __slots__ = ("id", "order", "action", "plan", "state", "requires", "product_item",
                 "resource_order", "service_id", "characteristics")

    def __init__(self, id: str, order: ServiceOrder, action: Action, plan: Any,
                 product_item: ProductOrderItem,
                 characteristics: dict[str, Any] | None = None) -> None:
        self.id = id
        self.order = order
        self.action = action
        self.plan = plan
        self.state = State.ACKNOWLEDGED
        self.requires: list[ServiceOrderItem] = []
        self.product_item = product_item
        self.resource_order: ResourceOrder | None = None
        self.service_id: str | None = None
        self.characteristics = characteristics or {}

    @property
    def cfs(self) -> str:
        return self.plan.name

    @property
    def correlation_id(self) -> str:
        return self.product_item.correlation_id

    @property
    def key(self) -> str:
        return f"{self.order.id}/{self.id}"

    def __repr__(self) -> str:
        return f"<ServiceOrderItem {self.order.id}/{self.id} {self.cfs} {self.state}>"


class ResourceOrder:
    """The resource order (TMF652) SOM derives from one service order item."""

    entity = "resourceOrder"
    __slots__ = ("id", "service_item", "state", "items", "order_date_s", "completion_date_s")

    def __init__(self, id: str, service_item: ServiceOrderItem, order_date_s: float) -> None:
        self.id = id
        self.service_item = service_item
        self.state = State.ACKNOWLEDGED
        self.items: list[ResourceOrderItem] = []
        self.order_date_s = order_date_s
        self.completion_date_s: float | None = None

    @property
    def correlation_id(self) -> str:
        return self.service_item.correlation_id

    @property
    def key(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"<ResourceOrder {self.id} {self.state} items={len(self.items)}>"


class ResourceOrderItem:
    """One resource-facing service to reserve, activate and commit (TMF652 item).

    ``spec`` is the catalog's compiled RFS (om.catalog.RfsSpec). ``target`` is the
    element instance that configures it; ``reservations`` are the resource records held.
    ``activated`` is set once the element confirmed the configuration.
    """

    entity = "resourceOrderItem"
    __slots__ = ("id", "order", "action", "spec", "state", "target", "reservations",
                 "activated", "attempts", "appointment")

    def __init__(self, id: str, order: ResourceOrder, action: Action, spec: Any) -> None:
        self.id = id
        self.order = order
        self.action = action
        self.spec = spec
        self.state = State.ACKNOWLEDGED
        self.target = ""
        self.reservations: list[Any] = []  # om.inventory.Resource records held
        self.activated = False
        self.attempts = 0
        self.appointment: tuple[str, float] | None = None  # (technician, visit start s)

    @property
    def rfs(self) -> str:
        return self.spec.name

    @property
    def correlation_id(self) -> str:
        return self.order.service_item.correlation_id

    @property
    def key(self) -> str:
        return f"{self.order.id}/{self.id}"

    @property
    def place(self) -> str:
        return self.order.service_item.product_item.place

    @property
    def characteristics(self) -> dict[str, Any]:
        return self.order.service_item.characteristics

    def identifiers(self) -> dict[str, str]:
        """The reserved resources as {pool kind: identifier}, e.g. {"ont_id": "7"}."""
        return {r.kind.value: r.value for r in self.reservations}

    def __repr__(self) -> str:
        return f"<ResourceOrderItem {self.order.id}/{self.id} {self.rfs} {self.state}>"
