"""The live service's read model: which TMF documents changed since the last commit,
and which pool slots are held, gathered into one :class:`sim.live.store.Tick` at a time.

What is written when:

- Slot allocations: exactly, every tick. After a restart they are the reference the
  replayed state must match.
- A product order (and its service order): with the next tick when its own state
  changes or a request touches it; when only its items change, at most every
  ``REFRESH_TICKS`` (once more per ``REFRESH_ITEMS`` items: a 5,000-item order is about
  6 MB of JSON with its service order, which for such big orders waits for the refresh
  even when its state changes, unless the order ended).
- The small documents below an item (product, services, resource orders, resources):
  first in, first out, at most ``ITEMS_PER_TICK`` items and ``RESOURCES_PER_TICK`` new
  resources a tick, so that a bulk order whose thousands of items all move at once is
  written over a few ticks instead of holding one commit (and every write behind it)
  for seconds. Whatever is still pending of an order is written with the tick that
  records its end, so an ended order's documents are complete on disk. After a restart
  the pending documents of orders still in flight are written again (:meth:`verify`).

Documents leave as dicts: the writer thread encodes them. A document that cannot be
built (a bug) is skipped and counted, not allowed to stop the clock.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Container
from typing import Any

from om import OrderManager, ProductOrder, ProductOrderItem, StateChanged
from om.events import PartnerOrderChanged
from om.inventory import Resource
from om.orders import TERMINAL
from sim.live.store import Document, Reader, Store, Tick
from sim.live.views import Views

REFRESH_TICKS = 200  # about a wall second: how often a changing large order is rewritten
REFRESH_ITEMS = 500  # ... once more per this many items
ITEMS_PER_TICK = 50  # product order items whose small documents one tick writes
RESOURCES_PER_TICK = 200  # newly allocated resources one tick writes


class ReadModel:
    """Tracks changes from the order manager's events; :meth:`collect` turns them into
    documents. ``orders``, ``payloads`` and ``deleted`` are the live service's own."""

    def __init__(self, om: OrderManager, views: Views, orders: dict[str, ProductOrder],
                 payloads: dict[str, dict[str, Any]], deleted: Container[str]) -> None:
        self.om = om
        self.views = views
        self.orders = orders
        self.payloads = payloads
        self.deleted = deleted
        self._dirty_orders: set[str] = set()
        self._urgent_orders: set[str] = set()
        self._written_at: dict[str, int] = {}  # product order id -> tick last written
        # Pending small documents, oldest first (dicts as ordered sets).
        self._dirty_items: dict[str, None] = {}  # product order item correlation ids
        self._unwritten: dict[str, None] = {}  # resources allocated, document not written
        self._held: set[str] = set()  # resource ids the database holds
        self._held_signature: tuple[int, str | None] = (0, None)
        self.errors = 0  # documents that could not be built
        # Partner orders of the orders in memory: product order id -> item key ->
        # (partner, its order id), for the resource orders' documents.
        self._partner_orders: dict[str, dict[str, tuple[str, str]]] = {}

    @property
    def backlog(self) -> int:
        """Small documents' items and resources still to write."""
        return len(self._dirty_items) + len(self._unwritten)

    def forget(self, order_id: str) -> None:
        """``order_id`` left memory: nothing more to write about it."""
        self._written_at.pop(order_id, None)
        self._partner_orders.pop(order_id, None)
        self._dirty_orders.discard(order_id)
        self._urgent_orders.discard(order_id)

    def changed(self, event: StateChanged) -> None:
        order_id = event.correlation_id.partition("/")[0]
        if event.entity in ("productOrder", "serviceOrder"):
            self._urgent_orders.add(order_id)
        else:
            self._dirty_orders.add(order_id)
            self._dirty_items[event.correlation_id] = None

    def partner_order(self, event: PartnerOrderChanged) -> None:
        """A partner item's order at the partner (its id, once the partner answered)."""
        if event.partner_order_id and event.order_id in self.orders:
            self._partner_orders.setdefault(event.order_id, {})[event.item_key] = (
                event.partner, event.partner_order_id)

    def requested(self, order_id: str) -> None:
        """A request created, changed or deleted the order: write it with this tick."""
        self._urgent_orders.add(order_id)

    def collect(self, out: Tick) -> None:
        """Add the documents due in this tick, and every slot change."""
        self._collect_allocations(out)
        tick = out.tick
        due = {o for o in self._dirty_orders if tick - self._written_at.get(o, -10**9)
               >= REFRESH_TICKS * (1 + len(self._items(o)) // REFRESH_ITEMS)}
        for order_id in sorted(self._urgent_orders | due):
            self._dirty_orders.discard(order_id)
            if order_id in self.deleted:
                out.deleted.append(("productOrder", order_id))
                continue
            order = self.orders.get(order_id)
            if order is None:
                continue
            # A big order's service order (three items per site) waits for its refresh.
            whole = (order_id in due or len(order.items) <= REFRESH_ITEMS
                     or order.state in TERMINAL)
            if not whole:
                self._dirty_orders.add(order_id)
            self._written_at[order_id] = tick
            self._guarded(self._collect_order, out, (order, whole))
        self._urgent_orders.clear()
        for correlation_id in list(self._dirty_items)[:ITEMS_PER_TICK]:
            del self._dirty_items[correlation_id]
            item = self._product_item(correlation_id)
            if item is not None:
                self._guarded(self._collect_item, out, item)
        for resource_id in list(self._unwritten)[:RESOURCES_PER_TICK]:
            self._write_resource(out, resource_id)

    def _items(self, order_id: str) -> list[ProductOrderItem]:
        order = self.orders.get(order_id)
        return order.items if order is not None else []

    def _guarded(self, collect: Any, out: Tick, what: Any) -> None:
        try:
            collect(out, what)
        except Exception:  # noqa: BLE001 - a bug in a view: skip it, keep the clock
            self.errors += 1
            print(f"omsim serve: cannot build the documents of {what!r}:", file=sys.stderr)
            traceback.print_exc()

    def _collect_order(self, out: Tick, what: tuple[ProductOrder, bool]) -> None:
        order, with_service_order = what
        out.documents.append(Document("productOrder", order.id, order.state.value, "",
                                      self.views.product_order(
                                          order, self.payloads.get(order.id))))
        if with_service_order and order.service_order is not None:
            so = order.service_order
            out.documents.append(Document("serviceOrder", so.id, so.state.value, order.id,
                                          self.views.service_order(so)))
        if order.state in TERMINAL:  # what is pending of it goes now
            for item in order.items:
                if item.correlation_id in self._dirty_items:
                    del self._dirty_items[item.correlation_id]
                    self._collect_item(out, item)
                    continue
                for resource in _reservations(item):
                    if resource.id in self._unwritten:
                        self._write_resource(out, resource.id)

    def _product_item(self, correlation_id: str) -> ProductOrderItem | None:
        order_id, _, item_id = correlation_id.partition("/")
        order = self.orders.get(order_id)
        if order is None or not item_id:
            return None
        if item_id.isascii() and item_id.isdigit() and 0 < int(item_id) <= len(order.items):
            guess = order.items[int(item_id) - 1]  # ids are usually 1..n, in order
            if guess.id == item_id:
                return guess
        return next((i for i in order.items if i.id == item_id), None)

    def _collect_item(self, out: Tick, item: ProductOrderItem) -> None:
        """The small documents below one product order item: its product, services,
        resource orders and the resources they hold."""
        om, views, order_id = self.om, self.views, item.order.id
        product = om.products.products.get(item.product_id or "")
        if product is not None:
            out.documents.append(Document("product", product.id, product.status, order_id,
                                          views.product(product)))
        for s_item in item.service_items:
            service = om.services.services.get(s_item.service_id or "")
            if service is not None:
                out.documents.append(Document("service", service.id, service.state, order_id,
                                              views.service(service)))
            ro = s_item.resource_order
            if ro is not None:
                out.documents.append(Document("resourceOrder", ro.id, ro.state.value,
                                              order_id, views.resource_order(
                                                  ro, self._partner_orders.get(order_id))))
        for resource in _reservations(item):
            self._write_resource(out, resource.id)

    def _write_resource(self, out: Tick, resource_id: str) -> None:
        self._unwritten.pop(resource_id, None)
        resource = self.om.resources.by_id.get(resource_id)
        if resource is not None:  # still held (a released one's document is deleted)
            out.documents.append(Document("resource", resource_id, resource.status,
                                          resource.correlation_id.partition("/")[0],
                                          self.views.resource(resource)))

    def _collect_allocations(self, out: Tick) -> None:
        """Slots allocated and released since the last commit (their documents follow)."""
        by_id = self.om.resources.by_id
        # Resource ids only grow, and dicts keep insertion order: the newest id and the
        # count change whenever the set of held slots changed at all.
        signature = (len(by_id), next(reversed(by_id), None))
        if signature == self._held_signature:
            return
        added = []
        for resource_id in reversed(by_id):
            if resource_id in self._held:
                break
            added.append(resource_id)
        if len(self._held) + len(added) != len(by_id):
            gone = self._held - by_id.keys()
            out.released.extend(sorted(gone))
            self._held -= gone
            added = [r for r in by_id if r not in self._held]
        for resource_id in reversed(added):
            resource = by_id[resource_id]
            out.allocated.append((resource_id, resource.pool.name, resource.slot))
            self._unwritten[resource_id] = None
            self._held.add(resource_id)
        self._held_signature = signature

    def verify(self, store: Store, reader: Reader) -> str:
        """After a replay: how the replayed state differs from the persisted one ("" when
        it does not), slot for slot and order state for order state. Then what may have
        been pending at the crash is due again: the documents of orders still in flight
        (an ended order's are complete) and of held resources the database lacks."""
        by_id = self.om.resources.by_id
        memory = {(rid, r.pool.name, r.slot) for rid, r in by_id.items()}
        persisted = store.allocations()
        if memory != persisted:
            return (f"{store.path}: the replay holds {len(memory - persisted)} slots the "
                    f"database does not, and misses {len(persisted - memory)} it holds")
        for order_id, state in store.document_states("productOrder").items():
            order = self.orders.get(order_id)
            if order is None or order.state.value != state:
                return (f"{store.path}: productOrder {order_id} is {state} in the database "
                        f"but {order.state if order else 'missing'} after the replay")
        in_flight = {i for i, o in self.orders.items() if o.state not in TERMINAL}
        self._urgent_orders |= self._dirty_orders & in_flight
        self._dirty_orders.clear()
        self._dirty_items = {c: None for c in self._dirty_items
                             if c.partition("/")[0] in in_flight}
        written = reader.ids("resource")
        self._unwritten = {r: None for r in by_id if r not in written}
        self._held = set(by_id)
        self._held_signature = (len(by_id), next(reversed(by_id), None))
        return ""


def _reservations(item: ProductOrderItem) -> list[Resource]:
    return [r for s in item.service_items if s.resource_order is not None
            for r_item in s.resource_order.items for r in r_item.reservations]
