"""Orders of the three layers, shaped after TMF622 (product), TMF641 (service) and
TMF652 (resource): slotted classes, kept plain because the engine holds many of them.

Every item keeps ``correlation_id``: the product order item it descends from, so one
lookup answers "which customer is this resource for?". State is only ever assigned in
:mod:`om.transitions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from sys import intern
from typing import Any

from om.commercial import TERM


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


class TaskState(StrEnum):
    """TMF622 TaskStateType: the states of a cancelProductOrder task (not of the order)."""

    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "inProgress"
    DONE = "done"
    TERMINATED_WITH_ERROR = "terminatedWithError"


class Action(StrEnum):
    """TMF OrderItemActionType."""

    ADD = "add"
    MODIFY = "modify"
    DELETE = "delete"
    NO_CHANGE = "noChange"


class ProductOrder:
    """A customer's order (TMF622 ProductOrder): one or more product order items.

    ``cancellation`` is set once a cancelProductOrder was accepted for it; while it is
    set, every layer stops at its next boundary and compensates. ``amendments`` lists
    in-flight changes of characteristics and whether each was applied.
    """

    entity = "productOrder"
    __slots__ = ("id", "external_id", "category", "state", "items", "order_date_s",
                 "completion_date_s", "customer", "priority", "service_order",
                 "billing_start_s", "fallout_cause", "manual_touches", "state_reason",
                 "cancellation", "amendments", "approval", "__weakref__")

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
        self.cancellation: Cancellation | None = None
        self.amendments: list[Amendment] = []
        self.approval: str | None = None  # the approval rule the order had to pass
        for item in items:
            item.order = self
            # Made once: every layer's records and events below the item share it.
            item.correlation_id = f"{id}/{item.id}"

    @property
    def order_type(self) -> str:
        """provide | modify | cease | move | suspend | resume | mixed, from the items."""
        return order_type(self.items)

    @property
    def cancelling(self) -> bool:
        """Whether a cancellation was accepted: every layer stops at its next boundary."""
        cancellation = self.cancellation
        return cancellation is not None and cancellation.accepted

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
                 "product_id", "service_items", "product_status", "after", "unchanged",
                 "correlation_id")

    def __init__(self, id: str, action: Action, offering: str, place: str,
                 characteristics: dict[str, Any] | None = None,
                 product_id: str | None = None, product_status: str | None = None,
                 after: tuple[str, ...] = ()) -> None:
        """``product_id`` names the existing product a modify or delete acts on;
        ``product_status`` is the status a modify asks for (``suspended`` / ``active``);
        ``after`` lists items of the same order this one waits for (TMF622
        orderItemRelationship of type ``dependsOn``), e.g. a move ceases the old line
        only after the new one works."""
        self.id = intern(id)  # "1", "2", ...: one shared string, not one per item
        self.order: ProductOrder = None  # type: ignore[assignment]  # set by ProductOrder
        self.action = action
        self.offering = offering
        self.characteristics = characteristics or {}
        self.place = place  # service address id
        self.state = State.ACKNOWLEDGED
        self.product_id = product_id  # the product instance (TMF637) this item creates/changes
        self.service_items: list[ServiceOrderItem] = []
        self.product_status = product_status
        self.after = after
        self.unchanged: tuple[str, ...] = ()  # CFS a modify leaves alone (noChange)
        self.correlation_id = ""  # "<order id>/<item id>", set by its ProductOrder

    @property
    def key(self) -> str:
        return self.correlation_id

    def __repr__(self) -> str:
        return f"<ProductOrderItem {self.correlation_id} {self.action} {self.state}>"


class Cancellation:
    """A cancelProductOrder request (TMF622 CancelProductOrder) and its outcome."""

    __slots__ = ("requested_s", "reason", "accepted", "refusal", "decided_s")

    def __init__(self, requested_s: float, reason: str) -> None:
        self.requested_s = requested_s
        self.reason = reason  # the customer's reason, recorded on the order
        self.accepted = False
        self.refusal = ""  # why it was refused, e.g. the technician is on site
        self.decided_s: float | None = None


class Amendment:
    """An in-flight change of an item's characteristics and how much of it applied."""

    __slots__ = ("at_s", "item_id", "characteristics", "applied", "refusal")

    def __init__(self, at_s: float, item_id: str, characteristics: dict[str, Any]) -> None:
        self.at_s = at_s
        self.item_id = item_id
        self.characteristics = characteristics
        self.applied = False
        self.refusal = ""


def prune(order: ProductOrder) -> None:
    """Cut the links from an ended order down to its items, its service order and their
    resource orders (the links up stay), so that reference counting frees the whole tree
    once nothing outside holds a part of it. Parent and child point at each other at
    every level, and such cycles are otherwise freed only by Python's cyclic collector,
    which a long batch run keeps off (:mod:`sim.run.collector`). Only for an order that
    nobody reads any more: afterwards it no longer lists its items."""
    service_order = order.service_order
    if service_order is not None:
        for service_item in service_order.items:
            resource_order = service_item.resource_order
            if resource_order is not None:
                resource_order.items.clear()
                service_item.resource_order = None
        service_order.items.clear()
        order.service_order = None
    for item in order.items:
        item.service_items.clear()
    order.items.clear()


def final_state(items: list[Any]) -> State:
    """The state an order ends in from its items': ``completed`` when every item
    completed, ``failed`` when none did, ``partial`` otherwise (COM and SOM)."""
    completed = sum(1 for i in items if i.state is State.COMPLETED)
    if completed == len(items):
        return State.COMPLETED
    if completed == 0:
        return State.FAILED
    return State.PARTIAL


def order_type(items: list[ProductOrderItem]) -> str:
    """The order type the items' actions amount to (a reporting label)."""
    actions = {i.action for i in items}
    if actions == {Action.ADD}:
        return "provide"
    if actions == {Action.DELETE}:
        return "cease"
    if actions == {Action.ADD, Action.DELETE}:
        return "move"
    if actions <= {Action.MODIFY, Action.NO_CHANGE}:
        statuses = {i.product_status for i in items if i.action is Action.MODIFY}
        if statuses == {"suspended"}:
            return "suspend"
        if statuses == {"active"}:
            return "resume"
        if all(set(i.characteristics) == {TERM} for i in items if i.action is Action.MODIFY):
            return "renew"  # the contract term alone: commercial, no network change
        return "modify"
    return "mixed"


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
                 "resource_order", "service_id", "characteristics", "changed", "service_state",
                 "unchanged", "key", "correlation_id")

    def __init__(self, id: str, order: ServiceOrder, action: Action, plan: Any,
                 product_item: ProductOrderItem,
                 characteristics: dict[str, Any] | None = None) -> None:
        self.id = intern(id)  # "1", "2", ...: one shared string, not one per item
        self.order = order
        self.action = action
        self.plan = plan
        self.state = State.ACKNOWLEDGED
        self.requires: list[ServiceOrderItem] = []
        self.product_item = product_item
        self.resource_order: ResourceOrder | None = None
        self.service_id: str | None = None  # the service instance (TMF638) it creates/changes
        self.characteristics = characteristics or {}
        self.changed: frozenset[str] = frozenset()  # characteristics a modify changes
        self.service_state: str | None = None  # a modify's target state (suspend/resume)
        self.unchanged: tuple[str, ...] = ()  # RFS a modify leaves alone (noChange)
        self.key = f"{order.id}/{self.id}"
        self.correlation_id = product_item.correlation_id  # shared, not a copy

    @property
    def cfs(self) -> str:
        return self.plan.name

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
    ``activated`` is set once the element confirmed the configuration. A delete item
    names in ``undoes`` the record (:class:`Activation`) of the completed add item whose
    configuration it removes (the element knows configuration by the item that applied
    it).
    """

    entity = "resourceOrderItem"
    __slots__ = ("id", "order", "action", "spec", "state", "target", "reservations",
                 "activated", "attempts", "appointment", "undoes", "key", "correlation_id")

    def __init__(self, id: str, order: ResourceOrder, action: Action, spec: Any) -> None:
        self.id = intern(id)  # "1", "2", ...: one shared string, not one per item
        self.order = order
        self.action = action
        self.spec = spec
        self.state = State.ACKNOWLEDGED
        self.target = ""
        self.reservations: list[Any] = []  # om.inventory.Resource records held
        self.activated = False
        self.attempts = 0
        self.appointment: tuple[str, float] | None = None  # (technician, visit start s)
        self.undoes: Activation | None = None
        # Made once and shared: the element's record of what it configured, the
        # service's Activation and every event of the item hold these same strings.
        self.key = f"{order.id}/{self.id}"
        self.correlation_id = order.service_item.correlation_id

    @property
    def rfs(self) -> str:
        return self.spec.name

    @property
    def place(self) -> str:
        return self.order.service_item.product_item.place

    @property
    def characteristics(self) -> dict[str, Any]:
        return self.order.service_item.characteristics

    @property
    def siblings(self) -> list[ResourceOrderItem]:
        """The items of the same resource order (this one included)."""
        return self.order.items

    def identifiers(self) -> dict[str, str]:
        """The reserved resources as {pool kind: identifier}, e.g. {"ont_id": "7"}."""
        return {r.kind.value: r.value for r in self.reservations}

    def __repr__(self) -> str:
        return f"<ResourceOrderItem {self.order.id}/{self.id} {self.rfs} {self.state}>"


class Activation:
    """What one completed add item left configured on its element: the record a service
    (TMF638) keeps so that a later cease can undo it and a modify can find it, instead of
    the item itself, which would keep its whole product order in memory.

    It carries exactly what the southbound port and ROM read of the item that built it
    (key, target, spec, place, characteristics, correlation id, the reservations it holds
    and whether the element may still hold its configuration) and ``siblings``: the
    records of the same resource order, this one included (a DHCP reservation names the
    BNG's circuit). The records of one order point at each other through ``siblings``:
    :meth:`release` cuts that when the service closes, so that reference counting
    frees them.
    """

    __slots__ = ("key", "spec", "target", "place", "characteristics", "correlation_id",
                 "reservations", "activated", "siblings")
    action = Action.ADD  # what the item it records did

    def __init__(self, item: ResourceOrderItem) -> None:
        self.key = item.key
        self.spec = item.spec
        self.target = item.target
        self.place = item.place
        self.characteristics = item.characteristics
        self.correlation_id = item.correlation_id
        # A tuple, smaller than the item's list: the record only ever gives them back.
        self.reservations: tuple[Any, ...] = tuple(item.reservations)
        self.activated = item.activated
        self.siblings: tuple[Activation, ...] = ()

    @classmethod
    def of(cls, items: list[ResourceOrderItem]) -> tuple[Activation, ...]:
        """The records of a completed add order's items, in activation order (the same
        tuple is each record's ``siblings``)."""
        records = tuple(cls(item) for item in items)
        for record in records:
            record.siblings = records
        return records

    @staticmethod
    def release(records: Sequence[Activation]) -> None:
        """The service these records configured closed: let them go."""
        for record in records:
            record.siblings = ()

    @property
    def rfs(self) -> str:
        return self.spec.name

    def identifiers(self) -> dict[str, str]:
        """The reserved resources as {pool kind: identifier}, e.g. {"ont_id": "7"}."""
        return {r.kind.value: r.value for r in self.reservations}

    def __repr__(self) -> str:
        return f"<Activation {self.key} {self.rfs} on {self.target}>"
