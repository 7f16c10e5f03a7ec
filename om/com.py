"""COM: customer order management (TMF622). Every ProductOrder state decision is here.

COM validates an order against the product catalog and the product inventory, waits
for an approver when a catalog approval rule matches (``pending``), decomposes each item
through the catalog into one service order, waits for SOM, then writes the product
inventory. The order ends ``completed`` when every item completed, ``failed`` when none
did, ``partial`` otherwise; billing starts only for a completed order, and only for the
products it created.

Decomposition by item action (delta decomposition):

- ``add`` (provide): every CFS of the offering.
- ``modify``: only the CFS with an RFS that configures a changed characteristic (the
  others are ``noChange`` and never reach SOM or ROM); a modify that asks for product
  status ``suspended`` / ``active`` becomes a service state change of every CFS.
- ``delete`` (cease): every service of the product, dependants first.
- A move is one order of an ``add`` at the new address and a ``delete`` of the old
  product that waits for it (``after``).
- A renewal (recontract) is a ``modify`` of ``contract_term_months`` alone: no CFS is
  touched, the product's contract term restarts when it completes.

Orders on the same product run one after another. ``cancel`` (cancelProductOrder) and
``amend`` act on orders in flight.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from network_model import Network
from om.approvals import ApproverPool
from om.catalog import Catalog
from om.commercial import MAX_TERM_MONTHS, TERM
from om.events import (
    AmendmentDecided,
    BillingStarted,
    CancellationDecided,
    EventBus,
    StateChanged,
)
from om.fallout import FalloutCause, Layer, record_fallout
from om.ids import IdSource
from om.inventory import ProductInventory
from om.jeopardy import JeopardyMonitor
from om.orders import (
    TERMINAL,
    Action,
    Amendment,
    Cancellation,
    ProductOrder,
    ProductOrderItem,
    ServiceOrder,
    ServiceOrderItem,
    State,
    final_state,
    prune,
)
from om.som import Som
from om.transitions import advance, cancel

# The service state a product status asks for (TMF637 product status -> TMF638 state).
_SERVICE_STATE = {"suspended": "inactive", "active": "active"}


class Com:
    """Receives product orders and sees them through to a terminal state."""

    def __init__(self, env: simpy.Environment, catalog: Catalog, network: Network, som: Som,
                 products: ProductInventory, bus: EventBus) -> None:
        self.env = env
        self.catalog = catalog
        self.network = network
        self.som = som
        self.products = products
        self.bus = bus
        self.order_ids = IdSource("PO")
        self.on_item_failure = "partial"  # or "fail_order": see OrderManager
        # Whether an ended order is pruned (om.orders.prune) so that it leaves memory at
        # once: for a run where nothing reads ended orders (a batch run without a trace).
        self.prune_ended = False
        self.approvers: ApproverPool | None = None  # None: matching orders pass at once
        self.open_orders: dict[str, ProductOrder] = {}  # submitted, not yet terminal
        self.jeopardy = JeopardyMonitor(env, bus, self.open_orders.__contains__)
        self._busy: dict[str, simpy.Event] = {}  # product id -> fires when its order ends
        self._wake: dict[str, simpy.Event] = {}  # order id -> fires on cancellation

    @property
    def busy_products(self) -> Any:
        """Ids of the products an order in flight acts on (a set-like view)."""
        return self._busy.keys()

    def new_order(self, items: list[ProductOrderItem], customer: str = "",
                  category: str = "", external_id: str = "") -> ProductOrder:
        """A ProductOrder with the next id, dated now (not yet submitted)."""
        return ProductOrder(self.order_ids(), items, self.env.now, customer=customer,
                            category=category, external_id=external_id)

    # -- validation ----------------------------------------------------------------------
    def validate(self, order: ProductOrder) -> list[str]:
        """Reasons the order is not acceptable at all (empty when it is)."""
        problems = []
        if not order.items:
            problems.append("productOrderItem: at least one item is required")
        ids = {i.id for i in order.items}
        for n, item in enumerate(order.items):
            where = f"productOrderItem.{n}"
            offering = self.catalog.offering(item.offering)
            if offering is None:
                problems.append(f"{where}.productOffering: unknown offering "
                                f"'{item.offering}'")
            elif not offering.sellable:
                problems.append(f"{where}.productOffering: '{item.offering}' is "
                                f"only sold inside a bundle")
            for other in item.after:
                if other not in ids or other == item.id:
                    problems.append(f"{where}.orderItemRelationship: no other item "
                                    f"'{other}' in the order")
            if item.action is Action.NO_CHANGE:
                continue
            if item.action is Action.ADD:
                if item.product_id is not None:
                    problems.append(f"{where}.product: an 'add' creates its product")
                continue
            problems.extend(self._check_existing(item, where))
        return problems

    def _check_existing(self, item: ProductOrderItem, where: str) -> list[str]:
        """A modify or delete must name a live product of the same offering."""
        product = self.products.products.get(item.product_id or "")
        if product is None or product.status == "terminated":
            return [f"{where}.product: no active product '{item.product_id}' to "
                    f"{item.action}"]
        if product.offering != item.offering:
            return [f"{where}.productOffering: product {product.id} is "
                    f"'{product.offering}', not '{item.offering}'"]
        if item.action is Action.MODIFY and item.product_status is not None:
            wanted = item.product_status
            if wanted not in _SERVICE_STATE:
                return [f"{where}.product.status: '{wanted}' is not suspended or active"]
            if product.status == wanted:
                return [f"{where}.product.status: product {product.id} is already {wanted}"]
        if item.action is Action.MODIFY and item.product_status is None:
            term = item.characteristics.get(TERM)
            if TERM in item.characteristics and not (
                    type(term) is int and 1 <= term <= MAX_TERM_MONTHS):
                return [f"{where}.product.productCharacteristic: {TERM} must be a whole "
                        f"number of months from 1 to {MAX_TERM_MONTHS}, not {term!r}"]
            known = self.catalog.offerings[item.offering].configurable | {TERM}
            unknown = sorted(set(item.characteristics) - known)
            if unknown:
                return [f"{where}.product.productCharacteristic: {', '.join(unknown)} "
                        f"configured by no RFS of '{item.offering}'"]
        return []

    # -- the order's life ----------------------------------------------------------------
    def submit(self, order: ProductOrder) -> simpy.Process:
        """Accept ``order`` (state acknowledged) and start fulfilling it."""
        if self.bus.state_listeners("productOrder", order.state.value):
            self.bus.emit(StateChanged("productOrder", order.id, "", order.state.value,
                                       self.env.now, order.id))
        self.open_orders[order.id] = order
        slas = [(o.sla_s, o.name) for o in map(self.catalog.offering,
                                                 (i.offering for i in order.items)) if o]
        if slas:
            sla_s, offering = min(slas)
            self.jeopardy.watch(order, offering, sla_s)
        return self.env.process(self._run(order))

    def _run(self, order: ProductOrder) -> Generator[simpy.Event, Any, State]:
        # (a new customer's order acts on no product: one shared empty tuple, not a set)
        products = {i.product_id for i in order.items if i.product_id} or ()
        # One order at a time per product: a cease waits for a modify in flight.
        while busy := [self._busy[p] for p in products if p in self._busy]:
            yield self.env.all_of(busy)
        # An order that locks no product needs no event to release it.
        released = self.env.event() if products else None
        for p in products:
            self._busy[p] = released
        try:
            return (yield from self._fulfil(order))
        finally:
            for p in products:
                del self._busy[p]
            if released is not None:
                released.succeed()
            self.open_orders.pop(order.id, None)
            if self.prune_ended:
                prune(order)

    def _fulfil(self, order: ProductOrder) -> Generator[simpy.Event, Any, State]:
        if order.cancelling:  # cancelled before it started
            return self._finish_cancelled(order)
        problems = self.validate(order)
        if problems:
            return self._reject(order, "; ".join(problems))
        approved = yield from self._approval(order)
        if order.cancelling:
            return self._finish_cancelled(order)
        if not approved:
            return self._reject_unapproved(order)
        advance(self.bus, order, State.IN_PROGRESS, self.env.now)
        service_order = self._service_order(order)
        if service_order.items:
            order.service_order = service_order
            yield from self.som.fulfil(service_order)
            if (self.on_item_failure == "fail_order" and not order.cancelling
                    and service_order.state is not State.COMPLETED):
                yield from self._undo(service_order)
        if order.cancelling:
            return self._finish_cancelled(order)
        return self._close(order)

    def _service_order(self, order: ProductOrder) -> ServiceOrder:
        """Start every item and decompose those that can go on into one service order
        (not yet sent to SOM); an item that cannot start fails here, in COM."""
        env = self.env
        service_order = self.som.new_order(order)
        by_item: dict[str, list[ServiceOrderItem]] = {}
        for item in _after_first(order.items):
            advance(self.bus, item, State.IN_PROGRESS, env.now)
            blocked = self._cannot_start(order, item)
            if blocked is not None:
                cause, detail = blocked
                record_fallout(self.bus, order, Layer.COM, cause, item.key,
                               item.correlation_id, item.offering, env.now, detail)
                advance(self.bus, item, State.FAILED, env.now)
                continue
            first = len(service_order.items)
            self._decompose(service_order, item)
            added = service_order.items[first:]
            for other in item.after:  # e.g. a move ceases the old line after the new works
                for s in added:
                    s.requires.extend(by_item.get(other, ()))
            by_item[item.id] = added
        return service_order

    def _cannot_start(self, order: ProductOrder, item: ProductOrderItem
                      ) -> tuple[FalloutCause, str] | None:
        """Why ``item`` fails before decomposition (cause, detail), or None."""
        # ``item.after`` first: most items wait for none, and a 5,000-site order must not
        # scan all its items once per item.
        if item.after and any(i.state is State.FAILED for i in order.items
                              if i.id in item.after):
            return (FalloutCause.DEPENDENCY_FAILED,
                    f"waits for item(s) {', '.join(item.after)}, which failed")
        if (item.action is Action.ADD and self.network.serving_port(item.place) is None
                and not (self.network.off_net(item.place)  # a wholesale line reaches it
                         and self.catalog.offerings[item.offering].serves_off_net)):
            return (FalloutCause.ADDRESS_NOT_FOUND,
                    f"address {item.place!r} is not served by any PON port")
        return None

    def _close(self, order: ProductOrder) -> State:
        """Close each item on what its service items did, then the order by the
        final-state rule; billing starts for a completed order."""
        env = self.env
        for item in order.items:
            if item.state is not State.IN_PROGRESS:
                continue
            if all(s.state is State.COMPLETED for s in item.service_items):
                self._record(item)
                advance(self.bus, item, State.COMPLETED, env.now)
            else:
                advance(self.bus, item, State.FAILED, env.now)
        final = final_state(order.items)
        order.completion_date_s = env.now
        advance(self.bus, order, final, env.now)
        if final is State.COMPLETED:
            self._start_billing(order)
        return final

    def _reject_unapproved(self, order: ProductOrder) -> State:
        record_fallout(self.bus, order, Layer.COM, FalloutCause.APPROVAL_REJECTED, order.id,
                       order.id, order.items[0].offering, self.env.now,
                       f"rule '{order.approval}'")
        return self._reject(order, f"approval rejected (rule '{order.approval}')")

    def _reject(self, order: ProductOrder, reason: str) -> State:
        env = self.env
        order.state_reason = reason
        for item in order.items:
            advance(self.bus, item, State.REJECTED, env.now)
        order.completion_date_s = env.now
        advance(self.bus, order, State.REJECTED, env.now)
        return order.state

    def _approval(self, order: ProductOrder) -> Generator[simpy.Event, Any, bool]:
        """Wait ``pending`` for an approver when a catalog rule matches the order."""
        offering = self.catalog.offerings[order.items[0].offering]
        rule = self.catalog.approval_rule(offering.segment, len(order.items),
                                          [i.characteristics for i in order.items])
        if rule is None:
            return True
        order.approval = rule.name
        if self.approvers is None:
            return True
        env = self.env
        advance(self.bus, order, State.PENDING, env.now)
        for item in order.items:
            advance(self.bus, item, State.PENDING, env.now)
        decision = self.approvers.decide(order.id, rule.name)
        wake = self._wake[order.id] = env.event()
        yield decision | wake
        del self._wake[order.id]
        return not order.cancelling and bool(decision.value)

    def _decompose(self, service_order: ServiceOrder, item: ProductOrderItem) -> None:
        """Append the service order items ``item`` needs (see the module docstring)."""
        if item.action is Action.ADD:
            offering = self.catalog.offerings[item.offering]
            self.som.add_items(service_order, item, offering.cfs,
                               {**offering.characteristics, **item.characteristics})
            return
        if item.action is Action.NO_CHANGE:
            return
        product = self.products.products[item.product_id]  # type: ignore[index]
        found = map(self.som.services.services.get, product.service_ids)
        services = [s for s in found if s is not None and s.state != "terminated"]
        if item.action is Action.DELETE:
            # Dependants first: the order of the offering's CFS, reversed.
            made: dict[str, ServiceOrderItem] = {}
            for service in reversed(services):
                plan = self.catalog.cfs[service.cfs]
                s = self.som.add_item(service_order, item, Action.DELETE, plan,
                                      product.characteristics, service.id)
                s.requires = [made[d] for d in self.catalog.dependants(service.cfs)
                              if d in made]
                made[service.cfs] = s
            return
        characteristics = {**product.characteristics, **item.characteristics}
        changed = {k for k, v in item.characteristics.items()
                   if product.characteristics.get(k) != v}
        for service in services:
            plan = self.catalog.cfs[service.cfs]
            if item.product_status is not None:
                s = self.som.add_item(service_order, item, Action.MODIFY, plan,
                                      characteristics, service.id)
                s.service_state = _SERVICE_STATE[item.product_status]
                continue
            touched = changed.intersection(plan.characteristics)
            if touched:
                s = self.som.add_item(service_order, item, Action.MODIFY, plan,
                                      characteristics, service.id)
                s.changed = frozenset(touched)
            else:  # an unchanged CFS is noChange: it is not sent to SOM
                item.unchanged += (plan.name,)

    def _record(self, item: ProductOrderItem) -> None:
        """Write the product inventory (TMF637) for a completed item."""
        now, order = self.env.now, item.order
        if item.action is Action.ADD:
            # The characteristics its services were built with (one dict, shared: a
            # modify changes the product's, and what its services' records say with it).
            characteristics = (item.service_items[0].characteristics if item.service_items
                               else {**self.catalog.offerings[item.offering].characteristics,
                                     **item.characteristics})
            product = self.products.add(
                item.offering, item.place, order.customer, now, item.correlation_id,
                tuple(s.service_id for s in item.service_items), characteristics,
                self.catalog.offerings[item.offering].charges)
            item.product_id = product.id
        elif item.action is Action.DELETE:
            self.products.terminate(item.product_id, now)  # type: ignore[arg-type]
        elif item.action is Action.MODIFY:
            product = self.products.products[item.product_id]  # type: ignore[index]
            if item.product_status is not None:
                product.status = item.product_status
            else:
                term = item.characteristics.get(TERM)
                if term is not None:  # a renewal: the contract term restarts today
                    product.bill_from(now, term)
                product.characteristics.update(
                    (k, v) for k, v in item.characteristics.items() if k != TERM)

    def _undo(self, service_order: ServiceOrder) -> Generator[simpy.Event, Any, None]:
        """Order policy ``fail_order``: roll back every service item that completed, so
        that one failed item fails the whole order and nothing stays allocated."""
        for item in service_order.items:
            if (item.state is State.COMPLETED and item.action is Action.ADD
                    and item.resource_order is not None):
                yield self.som.rom.rollback(item.resource_order)
                if item.service_id is not None:
                    self.som.services.terminate(item.service_id)
        for item in service_order.product_order.items:
            if item.state is State.IN_PROGRESS:
                advance(self.bus, item, State.FAILED, self.env.now)

    def _start_billing(self, order: ProductOrder) -> None:
        """Billing starts for the products the order created, once all of it is done."""
        ids = tuple(i.product_id for i in order.items
                    if i.product_id and i.action is Action.ADD)
        order.billing_start_s = self.env.now
        if not ids:
            return
        for product_id in ids:
            self.products.products[product_id].bill_from(self.env.now)
        self.bus.emit(BillingStarted(order.id, ids, self.env.now))

    # -- cancel and amend in flight --------------------------------------------------------
    def cancel(self, order: ProductOrder, reason: str = "customer request") -> Cancellation:
        """cancelProductOrder: assess, then accept (the layers stop and compensate;
        the order ends ``cancelled``) or refuse (the order goes on), reason recorded."""
        env = self.env
        request = Cancellation(env.now, reason)
        request.decided_s = env.now
        if order.state in TERMINAL or order.cancelling:
            request.refusal = f"order is already {order.state}"
        else:
            previous = order.state
            advance(self.bus, order, State.ASSESSING_CANCELLATION, env.now)
            request.refusal = self._point_of_no_return(order)
            if request.refusal:
                advance(self.bus, order, previous, env.now)
            else:
                request.accepted = True
                order.cancellation = request
                order.state_reason = f"cancelled: {reason}"
                advance(self.bus, order, State.PENDING_CANCELLATION, env.now)
                wake = self._wake.get(order.id)
                if wake is not None and not wake.triggered:
                    wake.succeed()
                if order.service_order is not None:
                    self.som.cancel(order.service_order)
        if not request.accepted and order.cancellation is None:
            order.cancellation = request  # the refusal stays on the order
        self.bus.emit(CancellationDecided(order.id, request.accepted, reason,
                                          request.refusal, env.now))
        return request

    def _point_of_no_return(self, order: ProductOrder) -> str:
        """Why the order can no longer be cancelled, or "" when it can."""
        if order.service_order is None:
            return ""
        for s in order.service_order.items:
            if s.action is not Action.ADD and s.state is not State.ACKNOWLEDGED:
                return f"{s.cfs} is already being changed in the network"
            for r in s.resource_order.items if s.resource_order else ():
                if r.appointment is not None:
                    return f"technician {r.appointment[0]} on site for {r.rfs}"
        return ""

    def _finish_cancelled(self, order: ProductOrder) -> State:
        env = self.env
        for item in order.items:
            self.bus.emit_all(cancel(item, env.now))
        order.completion_date_s = env.now
        self.bus.emit_all(cancel(order, env.now))
        return order.state

    def amend(self, order: ProductOrder, item_id: str,
              characteristics: dict[str, Any]) -> Amendment:
        """Change an item's characteristics in flight. Parts not yet started take the
        new value; refused when an RFS that configures one of them already started."""
        amendment = Amendment(self.env.now, item_id, dict(characteristics))
        order.amendments.append(amendment)
        amendment.refusal = self._amend_refusal(order, item_id, characteristics)
        if not amendment.refusal:
            item = next(i for i in order.items if i.id == item_id)
            item.characteristics.update(characteristics)
            for s in item.service_items:  # what ROM has not started reads it from here
                s.characteristics.update(characteristics)
            amendment.applied = True
        self.bus.emit(AmendmentDecided(order.id, item_id, amendment.applied,
                                       amendment.refusal, self.env.now))
        return amendment

    def _amend_refusal(self, order: ProductOrder, item_id: str,
                       characteristics: dict[str, Any]) -> str:
        if order.state in TERMINAL or order.cancelling:
            return f"order is {order.state}"
        item = next((i for i in order.items if i.id == item_id), None)
        if item is None:
            return f"no item '{item_id}'"
        if item.action is not Action.ADD:
            return f"item {item_id} is a {item.action}: only an add can be amended"
        unknown = set(characteristics) - self.catalog.offerings[item.offering].configurable
        if unknown:
            return f"{', '.join(sorted(unknown))} configured by no RFS of '{item.offering}'"
        for s in item.service_items:
            for r in s.resource_order.items if s.resource_order else ():
                if r.state is not State.ACKNOWLEDGED and set(characteristics) & set(
                        r.spec.characteristics):
                    return f"{r.rfs} already {r.state}"
        return ""


def _after_first(items: list[ProductOrderItem]) -> list[ProductOrderItem]:
    """Items ordered so that each comes after the items it waits for (``after``)."""
    placed: list[ProductOrderItem] = []
    ids: set[str] = set()
    rest = list(items)
    while rest:
        ready = [i for i in rest if set(i.after) <= ids] or rest[:1]  # a cycle: as given
        for i in ready:
            placed.append(i)
            ids.add(i.id)
            rest.remove(i)
    return placed
