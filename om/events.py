"""Events: small frozen records, and a tiny synchronous subscribe/emit bus.

COM, SOM, ROM, approvals and the jeopardy monitor emit; metrics, tracing and the REST
hub subscribe. Subscribers never reach into order objects: everything they need is in
the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# TMF event type per entity (TMF622 / TMF641 / TMF652 notification names).
_TMF_EVENT = {
    "productOrder": "ProductOrderStateChangeEvent",
    "productOrderItem": "ProductOrderStateChangeEvent",
    "serviceOrder": "ServiceOrderStateChangeEvent",
    "serviceOrderItem": "ServiceOrderStateChangeEvent",
    "resourceOrder": "ResourceOrderStateChangeEvent",
    "resourceOrderItem": "ResourceOrderStateChangeEvent",
    "cancelProductOrder": "CancelProductOrderStateChangeEvent",
}


@dataclass(frozen=True, slots=True)
class StateChanged:
    """Emitted by COM, SOM and ROM whenever an order or item changes state."""

    entity: str  # "productOrder" | "productOrderItem" | "serviceOrder" | ...
    id: str
    old: str  # "" when the entity was just created
    new: str
    at_s: float  # simulated seconds
    correlation_id: str  # the product order item (or order) this descends from

    @property
    def event_type(self) -> str:
        return _TMF_EVENT[self.entity]


@dataclass(frozen=True, slots=True)
class FalloutRaised:
    """An item could not complete on its own; ``cause`` is a FalloutCause value."""

    layer: str
    cause: str
    order_id: str  # the product order
    item_id: str  # the item at ``layer`` that failed
    correlation_id: str
    offering: str
    at_s: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BillingStarted:
    """A product order completed in full: billing may start for its products."""

    order_id: str
    product_ids: tuple[str, ...]
    at_s: float


Subscriber = Callable[[Any], None]
# A StateChanged subscriber and the entities and new states it wants (None: all).
_StateSubscriber = tuple[Subscriber, frozenset[str] | None, frozenset[str] | None]


class EventBus:
    """Synchronous in-process bus: ``emit`` calls each subscriber of the event's type.

    A :class:`StateChanged` subscriber may say which entities and new states it wants
    (:meth:`subscribe_states`): an order goes through about 17 state moves and most
    subscribers want two or three of them, so a move nobody wants is not even built
    (:meth:`state_listeners`, read by :func:`om.transitions.advance`).
    """

    __slots__ = ("_subscribers", "_states", "_by_state")

    def __init__(self) -> None:
        self._subscribers: dict[type, list[Subscriber]] = {}
        self._states: list[_StateSubscriber] = []  # in the order they subscribed
        # entity -> new state -> the subscribers that want it (filled as asked for)
        self._by_state: dict[str, dict[str, tuple[Subscriber, ...]]] = {}

    def subscribe(self, event_type: type, fn: Subscriber) -> None:
        if event_type is StateChanged:
            self.subscribe_states(fn)
            return
        self._subscribers.setdefault(event_type, []).append(fn)

    def subscribe_states(self, fn: Subscriber, *, entities: Iterable[str] | None = None,
                         states: Iterable[str] | None = None) -> None:
        """Call ``fn`` with each :class:`StateChanged` of one of ``entities`` (e.g.
        ``productOrder``) into one of ``states`` (TMF names, e.g. ``completed``);
        None: any."""
        self._states.append((fn, None if entities is None else frozenset(entities),
                             None if states is None else frozenset(states)))
        self._by_state.clear()

    def unsubscribe(self, event_type: type, fn: Subscriber) -> None:
        if event_type is StateChanged:
            entry = next((e for e in self._states if e[0] == fn), None)
            if entry is None:
                raise ValueError(f"{fn!r} is not subscribed to StateChanged")
            self._states.remove(entry)
            self._by_state.clear()
            return
        self._subscribers.get(event_type, []).remove(fn)

    def state_listeners(self, entity: str, new: str) -> tuple[Subscriber, ...]:
        """The subscribers that want a move of ``entity`` into ``new`` (empty: nobody
        needs the event built)."""
        try:
            return self._by_state[entity][new]
        except KeyError:
            listeners = tuple(fn for fn, entities, states in self._states
                              if (entities is None or entity in entities)
                              and (states is None or new in states))
            self._by_state.setdefault(entity, {})[new] = listeners
            return listeners

    def emit(self, event: Any) -> None:
        if type(event) is StateChanged:
            for fn in self.state_listeners(event.entity, event.new):
                fn(event)
            return
        for fn in self._subscribers.get(type(event), ()):
            fn(event)

    def emit_all(self, events: Iterable[Any]) -> None:
        """Emit several events in order (e.g. the steps of a cancellation)."""
        for event in events:
            self.emit(event)


@dataclass(frozen=True, slots=True)
class FalloutQueued:
    """A fallen-out item joined the operations team's work queue (worked later: one
    :class:`ManualTouch` each)."""

    order_id: str
    item_key: str
    cause: str
    at_s: float


@dataclass(frozen=True, slots=True)
class ManualTouch:
    """An operations engineer worked a fallen-out item (fixed it, or gave up)."""

    order_id: str
    item_key: str
    cause: str
    queued_s: float
    in_queue_s: float  # waiting plus handling
    fixed: bool
    at_s: float


@dataclass(frozen=True, slots=True)
class RetryMade:
    """ROM re-sent a request to an element after a retryable failure."""

    order_id: str
    item_key: str
    cause: str
    attempt: int
    at_s: float


@dataclass(frozen=True, slots=True)
class CancellationDecided:
    """COM accepted or refused a cancelProductOrder request."""

    order_id: str
    accepted: bool
    reason: str  # the requester's reason
    refusal: str  # why it was refused ("" when accepted)
    at_s: float

    @property
    def event_type(self) -> str:
        return "CancelProductOrderStateChangeEvent"


@dataclass(frozen=True, slots=True)
class AmendmentDecided:
    """COM applied or refused an in-flight change of an item's characteristics."""

    order_id: str
    item_id: str
    applied: bool
    refusal: str
    at_s: float


@dataclass(frozen=True, slots=True)
class JeopardyRaised:
    """An open order has used ``share`` of its SLA."""

    order_id: str
    offering: str
    sla_s: float
    at_s: float


@dataclass(frozen=True, slots=True)
class SlaBreached:
    """An order is still open when its SLA ran out."""

    order_id: str
    offering: str
    sla_s: float
    at_s: float


@dataclass(frozen=True, slots=True)
class ApprovalDecided:
    """An approver approved or rejected an order held for ``rule``."""

    order_id: str
    rule: str
    approved: bool
    waited_s: float  # queueing plus the approver's response time
    at_s: float


@dataclass(frozen=True, slots=True)
class PartnerOrderChanged:
    """The partner gateway placed, or heard of a change of, a partner's order.

    ``partner_order_id`` is the partner's id for it; ``item_key`` our resource order
    item (the partner knows it as the order's external id): the correlation both ways.
    ``state`` is the partner's (TMF622 spelling), ``detail`` its reason or error code.
    """

    order_id: str  # our product order
    item_key: str
    partner: str
    partner_order_id: str
    state: str
    at_s: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PartnerJeopardy:
    """A partner announced it will be late (a delay, or an order accepted only in part):
    jeopardy from the partner's side, before our own SLA clock says so."""

    order_id: str
    item_key: str
    partner: str
    reason: str  # "delayed" | "partial"
    expected_s: float  # when the partner now expects to complete
    at_s: float


@dataclass(frozen=True, slots=True)
class EscalationRaised:
    """The escalation rules acted on an order in jeopardy: ``action`` is ``expedite``
    (its visits and partner orders move ahead), ``escalate`` (a supervisor's case) or
    ``notify`` (the customer and the account team are told)."""

    order_id: str
    offering: str
    action: str
    at_s: float


@dataclass(frozen=True, slots=True)
class OrderExpedited:
    """An order moves ahead of the others from now: the workforce dispatches its install
    visits first (and at once, not on their booked day), the partner gateway asks its
    partners to hurry. ``by`` is ``expedite`` (at once) or ``escalate`` (a supervisor)."""

    order_id: str
    by: str
    at_s: float
