"""SOM: service order management (TMF641). Every ServiceOrder state decision is here.

The items of a service order form a dependency DAG (the catalog's ``requires``; reversed
for a cease, where dependants go first). Each item runs as its own process as soon as
its prerequisites completed, so independent branches run in parallel. An item whose
prerequisite failed fails without being sent to ROM.

By action: an ``add`` item becomes a resource order of its CFS's RFS; a ``modify`` item
one of only the RFS whose characteristics changed, or, for a suspend or resume, no
resource order at all (the service's state changes, its resources stay); a ``delete``
item one that undoes what built the service, and then closes the service record.
While the product order is being cancelled, items not yet started are cancelled and
items in ROM are stopped and compensated.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from om.events import EventBus
from om.ids import IdSource
from om.inventory import ServiceInventory
from om.orders import (
    Action,
    Activation,
    ProductOrderItem,
    ServiceOrder,
    ServiceOrderItem,
    State,
    final_state,
)
from om.rom import Rom
from om.transitions import advance, cancel


class Som:
    """Orchestrates service orders as dependency DAGs over ROM."""

    def __init__(self, env: simpy.Environment, rom: Rom, services: ServiceInventory,
                 bus: EventBus) -> None:
        self.env = env
        self.rom = rom
        self.services = services
        self.bus = bus
        self.order_ids = IdSource("SO")

    def new_order(self, product_order: Any) -> ServiceOrder:
        return ServiceOrder(self.order_ids(), product_order, self.env.now)

    def add_items(self, order: ServiceOrder, product_item: ProductOrderItem,
                  plans: tuple[Any, ...], characteristics: dict[str, Any]) -> None:
        """Append one item per CFS plan (already in dependency order) for a product item."""
        by_cfs: dict[str, ServiceOrderItem] = {}
        for plan in plans:
            item = self.add_item(order, product_item, Action.ADD, plan, characteristics)
            item.requires = [by_cfs[r] for r in plan.requires if r in by_cfs]
            by_cfs[plan.name] = item

    def add_item(self, order: ServiceOrder, product_item: ProductOrderItem, action: Action,
                 plan: Any, characteristics: dict[str, Any],
                 service_id: str | None = None) -> ServiceOrderItem:
        """Append one item; the caller sets ``requires`` (earlier items only)."""
        item = ServiceOrderItem(str(len(order.items) + 1), order, action, plan,
                                product_item, characteristics)
        item.service_id = service_id
        order.items.append(item)
        product_item.service_items.append(item)
        return item

    def cancel(self, order: ServiceOrder) -> None:
        """Stop the resource orders of ``order`` that are waiting (see Rom.cancel)."""
        for item in order.items:
            if item.resource_order is not None:
                self.rom.cancel(item.resource_order)

    def fulfil(self, order: ServiceOrder) -> Generator[simpy.Event, Any, State]:
        """Fulfil ``order`` inside the caller's process (``yield from``, no process of
        its own: COM waits for nothing else meanwhile); returns its final state."""
        return self._run(order)

    def _run(self, order: ServiceOrder) -> Generator[simpy.Event, Any, State]:
        env = self.env
        advance(self.bus, order, State.IN_PROGRESS, env.now)
        if len(order.items) == 1:
            # Nothing to run in parallel (most orders): no process and no condition.
            yield from self._run_item(order.items[0], [])
        else:
            running: dict[ServiceOrderItem, simpy.Process] = {}
            for item in order.items:  # dependency order: prerequisites already started
                prerequisites = [running[r] for r in item.requires]
                running[item] = env.process(self._run_item(item, prerequisites))
            yield env.all_of(list(running.values()))
        if order.product_order.cancelling:
            yield from self._roll_back_completed(order)
            order.completion_date_s = env.now
            self.bus.emit_all(cancel(order, env.now))
            return order.state
        final = final_state(order.items)
        order.completion_date_s = env.now
        advance(self.bus, order, final, env.now)
        return final

    def _roll_back_completed(self, order: ServiceOrder) -> Generator[simpy.Event, Any, None]:
        """A cancelled order keeps nothing: undo the add items that completed before the
        cancellation was accepted (their state stays ``completed``, the service closes)."""
        for item in reversed(order.items):
            if (item.state is State.COMPLETED and item.action is Action.ADD
                    and item.resource_order is not None):
                yield self.rom.rollback(item.resource_order)
                if item.service_id is not None:
                    self.services.terminate(item.service_id)

    def _run_item(self, item: ServiceOrderItem, prerequisites: list[simpy.Process]
                  ) -> Generator[simpy.Event, Any, None]:
        env = self.env
        if prerequisites:
            yield env.all_of(prerequisites)
        if item.product_item.order.cancelling:
            self.bus.emit_all(cancel(item, env.now))
            return
        advance(self.bus, item, State.IN_PROGRESS, env.now)
        if any(r.state is not State.COMPLETED for r in item.requires):
            advance(self.bus, item, State.FAILED, env.now)
            return
        if item.action is Action.MODIFY and item.service_state is not None:
            # Suspend / resume: a state change of the service; its resources stay.
            self.services.services[item.service_id].state = item.service_state
            advance(self.bus, item, State.COMPLETED, env.now)
            return
        if item.action is Action.ADD:
            order = self.rom.decompose(item)
        elif item.action is Action.MODIFY:
            order = self.rom.decompose_modify(item)
        else:
            service = self.services.services[item.service_id]
            order = self.rom.decompose_delete(item, service.activations)
        final = yield self.rom.run(order)
        if (final is State.COMPLETED and item.action is Action.ADD
                and item.product_item.order.cancelling):
            yield self.rom.rollback(order)  # finished just as the cancellation came
            final = State.CANCELLED
        if final is State.CANCELLED:
            self.bus.emit_all(cancel(item, env.now))
        elif final is State.COMPLETED:
            self._record(item, order)
            advance(self.bus, item, State.COMPLETED, env.now)
        else:
            advance(self.bus, item, State.FAILED, env.now)

    def _record(self, item: ServiceOrderItem, order: Any) -> None:
        """Write the service inventory (TMF638) for a completed item."""
        if item.action is Action.ADD:
            service = self.services.add(item.cfs, item.product_item.place, self.env.now,
                                        item.correlation_id,
                                        tuple(r.id for ri in order.items for r in ri.reservations))
            service.activations = Activation.of(order.items)
            item.service_id = service.id
        elif item.action is Action.DELETE:
            self.services.terminate(item.service_id)
