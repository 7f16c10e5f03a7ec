"""The live service's read model: which TMF documents changed since the last commit,
and which pool slots are held, gathered into one :class:`sim.store.Tick` at a time.

Product and service orders can be large (a 500-site order is about 1 MB of JSON), so
when only their items change they are rewritten at most every ``REFRESH_TICKS``; a
change of the order's own state, or a request about it, is written by the next tick.
The small documents below an item (product, services, resource orders, resources) are
written whenever the item moves. Slot allocations are written exactly, every commit:
after a restart they are the reference the replayed state must match.
"""

from __future__ import annotations

import json
from typing import Any

from om import OrderManager, ProductOrder, ProductOrderItem, StateChanged
from sim.store import Document, Store, Tick
from sim.tmf_views import Views

REFRESH_TICKS = 200  # about a wall second: how often a changing large order is rewritten


class ReadModel:
    """Tracks changes from the order manager's events; :meth:`collect` turns them into
    documents. ``orders``, ``payloads`` and ``deleted`` are the live service's own."""

    def __init__(self, om: OrderManager, views: Views, orders: dict[str, ProductOrder],
                 payloads: dict[str, dict[str, Any]], deleted: set[str]) -> None:
        self.om = om
        self.views = views
        self.orders = orders
        self.payloads = payloads
        self.deleted = deleted
        self._dirty_orders: set[str] = set()
        self._urgent_orders: set[str] = set()
        self._written_at: dict[str, int] = {}  # product order id -> tick last written
        self._dirty_items: set[str] = set()  # product order item correlation ids
        self._held: set[str] = set()  # resource ids the database holds
        self._held_signature: tuple[int, str | None] = (0, None)

    def changed(self, event: StateChanged) -> None:
        order_id = event.correlation_id.partition("/")[0]
        if event.entity in ("productOrder", "serviceOrder"):
            self._urgent_orders.add(order_id)
        else:
            self._dirty_orders.add(order_id)
            self._dirty_items.add(event.correlation_id)

    def requested(self, order_id: str) -> None:
        """A request created, changed or deleted the order: write it with this tick."""
        self._urgent_orders.add(order_id)

    def collect(self, out: Tick) -> None:
        """Add every document that changed since the last commit, and the slot changes."""
        views, tick = self.views, out.tick
        due = {o for o in self._dirty_orders
               if tick - self._written_at.get(o, -REFRESH_TICKS) >= REFRESH_TICKS}
        for order_id in sorted(self._urgent_orders | due):
            self._dirty_orders.discard(order_id)
            if order_id in self.deleted:
                out.deleted.append(("productOrder", order_id))
                continue
            order = self.orders.get(order_id)
            if order is None:
                continue
            self._written_at[order_id] = tick
            out.documents.append(Document("productOrder", order.id, order.state.value, "",
                                          json.dumps(views.product_order(
                                              order, self.payloads.get(order.id)))))
            if order.service_order is not None:
                so = order.service_order
                out.documents.append(Document("serviceOrder", so.id, so.state.value, order.id,
                                              json.dumps(views.service_order(so))))
        self._urgent_orders.clear()
        for correlation_id in sorted(self._dirty_items):
            item = self._product_item(correlation_id)
            if item is not None:
                self._collect_item(out, item)
        self._dirty_items.clear()
        self._collect_allocations(out)

    def _product_item(self, correlation_id: str) -> ProductOrderItem | None:
        order_id, _, item_id = correlation_id.partition("/")
        order = self.orders.get(order_id)
        if order is None or not item_id:
            return None
        if item_id.isdigit() and 0 < int(item_id) <= len(order.items):
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
                                          json.dumps(views.product(product))))
        for s_item in item.service_items:
            service = om.services.services.get(s_item.service_id or "")
            if service is not None:
                out.documents.append(Document("service", service.id, service.state, order_id,
                                              json.dumps(views.service(service))))
            ro = s_item.resource_order
            if ro is None:
                continue
            out.documents.append(Document("resourceOrder", ro.id, ro.state.value, order_id,
                                          json.dumps(views.resource_order(ro))))
            for r_item in ro.items:
                for resource in r_item.reservations:
                    if resource.id in om.resources.by_id:
                        out.documents.append(Document(
                            "resource", resource.id, resource.status, order_id,
                            json.dumps(views.resource(resource))))

    def _collect_allocations(self, out: Tick) -> None:
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
            out.documents.append(Document("resource", resource_id, resource.status,
                                          resource.correlation_id.partition("/")[0],
                                          json.dumps(self.views.resource(resource))))
            self._held.add(resource_id)
        self._held_signature = signature

    def verify(self, store: Store) -> str:
        """After a replay: how the replayed state differs from the persisted one ("" when
        it does not), slot for slot and order state for order state. Then the documents
        the replay touched are due: a large order's may have been behind at the crash."""
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
        self._urgent_orders |= self._dirty_orders
        self._held = set(by_id)
        self._held_signature = (len(by_id), next(reversed(by_id), None))
        return ""
