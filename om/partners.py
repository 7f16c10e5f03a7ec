"""The partner gateway: how ROM hands an RFS to a third party instead of an element.

An RFS the catalog marks ``partner: <name>`` (a logistics partner shipping the CPE, a
wholesale operator's access line at an off-net address) is fulfilled by placing an order
with that partner through its :class:`PartnerPort` (submit, follow, cancel) and
following it to its end. :class:`PartnerGateway` sits beside the southbound port and
satisfies the same :class:`om.southbound.Southbound` protocol: element items pass through
to the southbound port, partner items become partner orders. ROM sees one port and
fallout causes; this module is the partner layer that turns the partner's states and
error codes into them:

- ``partner_rejected``: the partner refused the order (no capacity, address unknown) or
  cancelled it on its side;
- ``partner_timeout``: no answer to the order after every try (a partner outage), or no
  completion within the gateway's deadline (the partner's order is then cancelled);
- ``delivery_failed``: the courier could not deliver (lost or damaged parcel, customer
  not home, wrong address).

The correlation goes both ways: the partner's order carries our resource order item's
key as its external id, and the gateway keeps the partner's order id
(:class:`PartnerOrderChanged` events say both). Submission is idempotent on the partner
side by that external id, so a retry after a lost answer never orders twice. A partner
may accept in part or announce its own delay: :class:`PartnerJeopardy`, before our SLA
clock says so. A cancelled or compensated item cancels its partner order, which the
partner may refuse past its point of no return (the parcel shipped).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from om.errors import SouthboundError
from om.events import (
    EventBus,
    OrderExpedited,
    PartnerJeopardy,
    PartnerOrderChanged,
    RetryMade,
)
from om.fallout import FalloutCause
from om.orders import ResourceOrderItem
from om.southbound import Activated, Southbound

# A partner's error codes and the fallout cause each is (the partner layer's mapping).
PARTNER_CODES: dict[str, FalloutCause] = {
    "no_capacity": FalloutCause.PARTNER_REJECTED,
    "address_unknown": FalloutCause.PARTNER_REJECTED,
    "lost": FalloutCause.DELIVERY_FAILED,
    "damaged": FalloutCause.DELIVERY_FAILED,
    "not_home": FalloutCause.DELIVERY_FAILED,
    "wrong_address": FalloutCause.DELIVERY_FAILED,
    # A partner's order that failed for a reason of its own (a wholesale line its
    # network could not build): it did not deliver what it accepted.
    "not_delivered": FalloutCause.DELIVERY_FAILED,
}
# Codes a partner answers a submission with (the others end an accepted order).
REJECTION_CODES = frozenset({"no_capacity", "address_unknown"})

# A partner order's states (TMF622 spelling); the last four are terminal.
ACKNOWLEDGED, IN_PROGRESS = "acknowledged", "inProgress"
COMPLETED, REJECTED, FAILED, CANCELLED = "completed", "rejected", "failed", "cancelled"
TERMINAL = frozenset({COMPLETED, REJECTED, FAILED, CANCELLED})


@dataclass(frozen=True, slots=True)
class PartnerRequest:
    """What we ask a partner for: ``external_id`` is our item's key (the partner keeps
    it: the correlation back to us); ``request_id`` the key it makes submission
    idempotent by (the item's key and which placement of it this is: a retry of the
    same placement is the same order, a new placement after a failure a new one)."""

    external_id: str
    request_id: str
    correlation_id: str
    rfs: str
    place: str
    action: str = "add"  # "add" | "delete" (a cease of a line the partner delivered)
    characteristics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PartnerUpdate:
    """A partner order as the partner last reported it.

    ``reason``: an error code of :data:`PARTNER_CODES` when rejected or failed;
    ``"partial"`` (accepted in part) or ``"delayed"`` while open. ``expected_s``: when
    the partner expects to complete (simulated seconds), if it says.
    """

    partner_order_id: str
    state: str
    reason: str = ""
    expected_s: float | None = None


class PartnerPort(Protocol):
    """A partner's order API, as the gateway uses it (TMF622 between companies).

    ``submit`` answers with the partner order's first :class:`PartnerUpdate`
    (``acknowledged``, or ``rejected`` with a code), or never when the partner is down;
    the same ``external_id`` again answers with the same order. ``follow`` fires with
    the order's next update. ``cancel`` answers True when the partner cancelled it,
    False when it refused (past its point of no return, or already ended).
    """

    def submit(self, request: PartnerRequest) -> simpy.Event: ...

    def follow(self, partner_order_id: str) -> simpy.Event: ...

    def cancel(self, partner_order_id: str) -> simpy.Event: ...


@dataclass(frozen=True, slots=True)
class PartnerPolicy:
    """How the gateway talks to one partner: ``attempts`` tries of each request, each
    waiting ``answer_timeout_s`` for an answer, ``backoff_s`` apart; an accepted order
    not completed within ``deadline_s`` is given up (and cancelled at the partner)."""

    attempts: int = 3
    answer_timeout_s: float = 60.0
    backoff_s: float = 300.0
    deadline_s: float = 30 * 86400.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {self.attempts}")
        if not (self.answer_timeout_s > 0 and self.deadline_s > 0):
            raise ValueError("answer_timeout_s and deadline_s must be > 0")


class PartnerLink:
    """Our side of one item's partner order: the partner, our product order, the
    partner's id for its latest placement, its last state, how many placements there
    were, and the process that follows it."""

    __slots__ = ("partner", "order_id", "partner_order_id", "state", "placements",
                 "process")

    def __init__(self, partner: str, order_id: str) -> None:
        self.partner = partner
        self.order_id = order_id
        self.partner_order_id = ""
        self.state = ""
        self.placements = 0
        self.process: simpy.Process | None = None


def _defuse(event: simpy.Event) -> None:
    # A placement nobody waits for any more (its item was cancelled) may still fail.
    if not event.ok:
        event.defused = True


class PartnerGateway:
    """The southbound port plus partners: element items go to ``southbound``, items of a
    partner's RFS become orders at ``partners[name]``.

    ``order_of(item_key)`` names the product order an item belongs to (for events);
    ``links`` holds the partner order of every partner item not yet undone.
    """

    def __init__(self, env: simpy.Environment, southbound: Southbound,
                 partners: dict[str, PartnerPort], bus: EventBus,
                 policies: dict[str, PartnerPolicy] | None = None) -> None:
        self.env = env
        self.southbound = southbound
        self.partners = partners
        self.bus = bus
        self.policies = policies or {}
        self.links: dict[str, PartnerLink] = {}
        self._following: dict[str, PartnerLink] = {}  # item key -> link, while followed
        self.cancel_refused = 0  # cancellations a partner refused (past no return)
        self.expedited = 0  # partner orders we asked to hurry
        bus.subscribe(OrderExpedited, self._on_expedited)

    # -- the Southbound protocol ----------------------------------------------------
    def activate(self, item: ResourceOrderItem) -> simpy.Event:
        name = item.spec.partner
        if name is None:
            return self.southbound.activate(item)
        if name not in self.partners:
            event = self.env.event()
            event.fail(SouthboundError(item.key, FalloutCause.PARTNER_TIMEOUT,
                                       item.target, "no gateway to this partner"))
            return event
        link = self.links.get(item.key)
        if link is None:
            order_id = item.order.service_item.product_item.order.id
            link = self.links[item.key] = PartnerLink(name, order_id)
        link.placements += 1
        process = self.env.process(self._place(item, link))
        link.process = process
        return process

    def deactivate(self, item: Activated) -> simpy.Event:
        if item.spec.partner is None:
            return self.southbound.deactivate(item)
        return self.env.process(self._undo(item))

    # -- placing and following one partner order -------------------------------------
    def _place(self, item: ResourceOrderItem, link: PartnerLink
               ) -> Generator[simpy.Event, Any, None]:
        self._following[item.key] = link
        try:
            yield from self._follow(item, link)
        finally:
            link.process = None  # the item's order may leave memory once it ended
            self._following.pop(item.key, None)

    def _follow(self, item: ResourceOrderItem, link: PartnerLink
                ) -> Generator[simpy.Event, Any, None]:
        env, name = self.env, link.partner
        partner, policy = self.partners[name], self.policies.get(name, PartnerPolicy())
        order_id = link.order_id
        request = PartnerRequest(item.key, f"{item.key}#{link.placements}",
                                 item.correlation_id, item.spec.name, item.place,
                                 item.action.value,
                                 dict(item.order.service_item.characteristics))
        answer = yield from self._ask(lambda: partner.submit(request), policy, order_id,
                                      item.key)
        if answer is None:
            raise SouthboundError(item.key, FalloutCause.PARTNER_TIMEOUT, item.target,
                                  f"no answer to the order after {policy.attempts} tries")
        self._heard(order_id, item.key, link, answer)
        deadline = env.now + policy.deadline_s
        while answer.state not in TERMINAL:
            if answer.reason in ("partial", "delayed"):
                self.bus.emit(PartnerJeopardy(order_id, item.key, name, answer.reason,
                                              answer.expected_s or env.now, env.now))
            update = partner.follow(link.partner_order_id)
            got = yield update | env.timeout(max(0.0, deadline - env.now))
            if update not in got:
                # The partner let its promise pass by far: give up, and cancel there.
                env.process(self._cancel(order_id, item.key, link))
                raise SouthboundError(item.key, FalloutCause.PARTNER_TIMEOUT, item.target,
                                      f"{link.partner_order_id} not completed within "
                                      f"{policy.deadline_s / 86400:g} days")
            answer = update.value
            self._heard(order_id, item.key, link, answer)
        if answer.state == COMPLETED:
            return
        cause = PARTNER_CODES.get(answer.reason, FalloutCause.PARTNER_REJECTED)
        detail = f"{link.partner_order_id} {answer.state}" + (
            f": {answer.reason}" if answer.reason else "")
        raise SouthboundError(item.key, cause, item.target, detail)

    def _ask(self, send: Callable[[], simpy.Event], policy: PartnerPolicy, order_id: str,
             item_key: str) -> Generator[simpy.Event, Any, Any]:
        """Send a request until answered, at most ``policy.attempts`` times; the answer,
        or None. Resending is safe: the partner knows the request by our item's key."""
        env = self.env
        for attempt in range(1, policy.attempts + 1):
            request = send()
            got = yield request | env.timeout(policy.answer_timeout_s)
            if request in got:
                return request.value
            request.callbacks.append(_defuse)
            if attempt < policy.attempts:
                self.bus.emit(RetryMade(order_id, item_key,
                                        FalloutCause.PARTNER_TIMEOUT.value, attempt, env.now))
                yield env.timeout(policy.backoff_s)
        return None

    def _heard(self, order_id: str, item_key: str, link: PartnerLink,
               update: PartnerUpdate) -> None:
        link.partner_order_id = update.partner_order_id
        link.state = update.state
        self.bus.emit(PartnerOrderChanged(order_id, item_key, link.partner,
                                          update.partner_order_id, update.state,
                                          self.env.now, update.reason))

    def _on_expedited(self, event: OrderExpedited) -> None:
        """Ask the partners to hurry every partner order of an expedited order."""
        for link in self._following.values():
            if link.order_id == event.order_id and link.partner_order_id \
                    and link.state not in TERMINAL:
                self.expedited += 1
                self.partners[link.partner].expedite(link.partner_order_id)

    # -- cancelling and ceasing ----------------------------------------------------------
    def _cancel(self, order_id: str, item_key: str, link: PartnerLink
                ) -> Generator[simpy.Event, Any, bool]:
        """Ask the partner to cancel an open order; whether it did."""
        if not link.partner_order_id or link.state in TERMINAL:
            return False
        policy = self.policies.get(link.partner, PartnerPolicy())
        partner = self.partners[link.partner]
        accepted = yield from self._ask(lambda: partner.cancel(link.partner_order_id),
                                        policy, order_id, item_key)
        if accepted:
            link.state = CANCELLED
        else:
            self.cancel_refused += 1
        self.bus.emit(PartnerOrderChanged(order_id, item_key, link.partner,
                                          link.partner_order_id,
                                          CANCELLED if accepted else "cancelRefused",
                                          self.env.now))
        return bool(accepted)

    def _undo(self, item: Activated) -> Generator[simpy.Event, Any, None]:
        """Compensation or cease of a partner item: an open partner order is cancelled
        (the partner may refuse: the parcel comes back later, unknown to us); a completed
        one is ceased at the partner (a delete order). Never fails: what the partner
        holds is its own, not our network's."""
        link = self.links.pop(item.key, None)
        if link is None:
            return
        order_id = link.order_id
        if link.process is not None:  # still placing or following
            link.process.callbacks.append(_defuse)  # ROM no longer waits for it
            yield from self._cancel(order_id, item.key, link)
            return
        if link.state != COMPLETED:
            return
        partner = self.partners[link.partner]
        policy = self.policies.get(link.partner, PartnerPolicy())
        request = PartnerRequest(item.key, f"{item.key}#cease", item.correlation_id,
                                 item.spec.name, item.place, "delete")
        answer = yield from self._ask(lambda: partner.submit(request), policy, order_id,
                                      item.key)
        if answer is not None:
            self.bus.emit(PartnerOrderChanged(order_id, item.key, link.partner,
                                              answer.partner_order_id, "ceaseRequested",
                                              self.env.now))
