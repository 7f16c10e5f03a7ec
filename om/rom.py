"""ROM: resource order management (TMF652). Every ResourceOrder state decision is here.

For each item, in catalog order: reserve the slots its RFS draws from (ONT id on the
serving PON port, C-VLAN under the line card's S-VLAN, BNG session, IPv4 address,
telephone number), activate it on its element through the southbound port, then commit
the reservations. When an item fails, what the order already reserved or activated is
compensated: deactivated, released, in reverse order.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from network_model import Network, PoolExhausted
from om.errors import SouthboundError
from om.events import EventBus
from om.fallout import FalloutCause, Layer, record_fallout
from om.ids import IdSource
from om.inventory import ResourceInventory
from om.orders import Action, ResourceOrder, ResourceOrderItem, ServiceOrderItem, State
from om.southbound import Southbound
from om.transitions import move


class Rom:
    """Fulfils resource orders against the resource inventory and the southbound port."""

    def __init__(self, env: simpy.Environment, network: Network, southbound: Southbound,
                 resources: ResourceInventory, bus: EventBus) -> None:
        self.env = env
        self.network = network
        self.southbound = southbound
        self.resources = resources
        self.bus = bus
        self.order_ids = IdSource("RO")

    def decompose(self, service_item: ServiceOrderItem) -> ResourceOrder:
        """The resource order for one service order item: one item per RFS of its CFS."""
        order = ResourceOrder(self.order_ids(), service_item, self.env.now)
        port = self.network.serving_port(service_item.product_item.place)
        for n, spec in enumerate(service_item.plan.rfs, 1):
            item = ResourceOrderItem(str(n), order, Action.ADD, spec)
            item.target = self.network.element_for(spec.element, port)
            order.items.append(item)
        service_item.resource_order = order
        return order

    def fulfil(self, order: ResourceOrder) -> simpy.Process:
        """Start fulfilling ``order``; the process's value is its final state."""
        return self.env.process(self._run(order))

    def _run(self, order: ResourceOrder) -> Generator[simpy.Event, Any, State]:
        env, emit = self.env, self.bus.emit
        emit(move(order, State.IN_PROGRESS, env.now))
        done: list[ResourceOrderItem] = []
        failed: tuple[ResourceOrderItem, FalloutCause, str] | None = None
        for item in order.items:
            emit(move(item, State.IN_PROGRESS, env.now))
            try:
                self._reserve(item)
                item.attempts += 1
                yield self.southbound.activate(item)
            except PoolExhausted as exc:
                failed = (item, FalloutCause.RESOURCE_EXHAUSTED, str(exc))
                break
            except SouthboundError as exc:
                failed = (item, exc.cause, exc.detail or exc.element)
                break
            item.activated = True
            for resource in item.reservations:
                self.resources.commit(resource)
            emit(move(item, State.COMPLETED, env.now))
            done.append(item)

        if failed is None:
            order.completion_date_s = env.now
            emit(move(order, State.COMPLETED, env.now))
            return order.state

        item, cause, detail = failed
        product_item = order.service_item.product_item
        record_fallout(self.bus, product_item.order, Layer.ROM, cause, item.key,
                       item.correlation_id, product_item.offering, env.now, detail)
        yield from self._compensate([*done, item])
        emit(move(item, State.FAILED, env.now))
        for rest in order.items:
            if rest.state is State.ACKNOWLEDGED:
                emit(move(rest, State.CANCELLED, env.now))
        order.completion_date_s = env.now
        emit(move(order, State.FAILED, env.now))
        return order.state

    def _reserve(self, item: ResourceOrderItem) -> None:
        port = self.network.serving_port(item.place)
        for kind in item.spec.pools:
            pool = self.network.pool_for(kind, port)
            item.reservations.append(
                self.resources.reserve(pool, item.target, item.correlation_id, self.env.now))

    def _compensate(self, items: list[ResourceOrderItem]
                    ) -> Generator[simpy.Event, Any, None]:
        """Undo ``items`` newest first: deactivate what was activated, release slots."""
        for item in reversed(items):
            if item.activated:
                yield self.southbound.deactivate(item)
                item.activated = False
            for resource in reversed(item.reservations):
                self.resources.release(resource)
            item.reservations.clear()
