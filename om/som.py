"""SOM: service order management (TMF641). Every ServiceOrder state decision is here.

The items of a service order form a dependency DAG (the catalog's ``requires``). Each
item runs as its own process as soon as its prerequisites completed, so independent
branches run in parallel. An item whose prerequisite failed fails without being sent to
ROM. Each item decomposes into one resource order (its CFS's RFS).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from om.events import EventBus
from om.ids import IdSource
from om.inventory import ServiceInventory
from om.orders import Action, ProductOrderItem, ServiceOrder, ServiceOrderItem, State
from om.rom import Rom
from om.transitions import move


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
            item = ServiceOrderItem(str(len(order.items) + 1), order, Action.ADD, plan,
                                    product_item, characteristics)
            item.requires = [by_cfs[r] for r in plan.requires if r in by_cfs]
            by_cfs[plan.name] = item
            order.items.append(item)
            product_item.service_items.append(item)

    def fulfil(self, order: ServiceOrder) -> simpy.Process:
        """Start fulfilling ``order``; the process's value is its final state."""
        return self.env.process(self._run(order))

    def _run(self, order: ServiceOrder) -> Generator[simpy.Event, Any, State]:
        env = self.env
        self.bus.emit(move(order, State.IN_PROGRESS, env.now))
        running: dict[ServiceOrderItem, simpy.Process] = {}
        for item in order.items:  # dependency order: prerequisites already started
            prerequisites = [running[r] for r in item.requires]
            running[item] = env.process(self._run_item(item, prerequisites))
        yield env.all_of(list(running.values()))
        completed = sum(1 for i in order.items if i.state is State.COMPLETED)
        if completed == len(order.items):
            final = State.COMPLETED
        elif completed == 0:
            final = State.FAILED
        else:
            final = State.PARTIAL
        order.completion_date_s = env.now
        self.bus.emit(move(order, final, env.now))
        return final

    def _run_item(self, item: ServiceOrderItem, prerequisites: list[simpy.Process]
                  ) -> Generator[simpy.Event, Any, None]:
        env, emit = self.env, self.bus.emit
        if prerequisites:
            yield env.all_of(prerequisites)
        emit(move(item, State.IN_PROGRESS, env.now))
        if any(r.state is not State.COMPLETED for r in item.requires):
            emit(move(item, State.FAILED, env.now))
            return
        order = self.rom.decompose(item)
        final = yield self.rom.fulfil(order)
        if final is State.COMPLETED:
            service = self.services.add(item.cfs, item.product_item.place, env.now,
                                        item.correlation_id,
                                        [r.id for ri in order.items for r in ri.reservations])
            item.service_id = service.id
            emit(move(item, State.COMPLETED, env.now))
        else:
            emit(move(item, State.FAILED, env.now))
