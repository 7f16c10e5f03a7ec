"""COM: customer order management (TMF622). Every ProductOrder state decision is here.

COM validates an order against the product catalog, checks each item's address is
serviceable, decomposes each item through the catalog (product -> CFS) into one service
order, waits for SOM, then writes the product inventory. The order ends ``completed``
when every item completed, ``failed`` when none did, ``partial`` otherwise; billing
starts only for a completed order.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from network_model import Network
from om.catalog import Catalog
from om.events import BillingStarted, EventBus, StateChanged
from om.fallout import FalloutCause, Layer, record_fallout
from om.ids import IdSource
from om.inventory import ProductInventory
from om.orders import Action, ProductOrder, ProductOrderItem, ServiceOrder, State
from om.som import Som
from om.transitions import move


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

    def new_order(self, items: list[ProductOrderItem], customer: str = "",
                  category: str = "", external_id: str = "") -> ProductOrder:
        """A ProductOrder with the next id, dated now (not yet submitted)."""
        return ProductOrder(self.order_ids(), items, self.env.now, customer=customer,
                            category=category, external_id=external_id)

    def validate(self, order: ProductOrder) -> list[str]:
        """Reasons the order is not acceptable at all (empty when it is)."""
        problems = []
        if not order.items:
            problems.append("productOrderItem: at least one item is required")
        for n, item in enumerate(order.items):
            offering = self.catalog.offering(item.offering)
            if offering is None:
                problems.append(f"productOrderItem.{n}.productOffering: unknown offering "
                                f"'{item.offering}'")
            elif not offering.sellable:
                problems.append(f"productOrderItem.{n}.productOffering: '{item.offering}' is "
                                f"only sold inside a bundle")
            if item.action is not Action.ADD:
                problems.append(f"productOrderItem.{n}.action: '{item.action}' not supported")
        return problems

    def submit(self, order: ProductOrder) -> simpy.Process:
        """Accept ``order`` (state acknowledged) and start fulfilling it."""
        self.bus.emit(StateChanged("productOrder", order.id, "", order.state.value,
                                   self.env.now, order.id))
        return self.env.process(self._run(order))

    def _run(self, order: ProductOrder) -> Generator[simpy.Event, Any, State]:
        env, emit = self.env, self.bus.emit
        problems = self.validate(order)
        if problems:
            order.state_reason = "; ".join(problems)
            for item in order.items:
                emit(move(item, State.REJECTED, env.now))
            order.completion_date_s = env.now
            emit(move(order, State.REJECTED, env.now))
            return order.state

        emit(move(order, State.IN_PROGRESS, env.now))
        service_order = self.som.new_order(order)
        for item in order.items:
            emit(move(item, State.IN_PROGRESS, env.now))
            if self.network.serving_port(item.place) is None:
                record_fallout(self.bus, order, Layer.COM, FalloutCause.ADDRESS_NOT_FOUND,
                               item.key, item.correlation_id, item.offering, env.now,
                               f"address {item.place!r} is not served by any PON port")
                emit(move(item, State.FAILED, env.now))
                continue
            offering = self.catalog.offerings[item.offering]
            self.som.add_items(service_order, item, offering.cfs,
                               {**offering.characteristics, **item.characteristics})

        if service_order.items:
            order.service_order = service_order
            yield self.som.fulfil(service_order)
            if (self.on_item_failure == "fail_order"
                    and service_order.state is not State.COMPLETED):
                yield from self._undo(service_order)

        for item in order.items:
            if item.state is not State.IN_PROGRESS:
                continue
            if all(s.state is State.COMPLETED for s in item.service_items):
                product = self.products.add(
                    item.offering, item.place, order.customer, env.now, item.correlation_id,
                    [s.service_id for s in item.service_items],
                    {**self.catalog.offerings[item.offering].characteristics,
                     **item.characteristics})
                item.product_id = product.id
                emit(move(item, State.COMPLETED, env.now))
            else:
                emit(move(item, State.FAILED, env.now))

        completed = sum(1 for i in order.items if i.state is State.COMPLETED)
        if completed == len(order.items):
            final = State.COMPLETED
        elif completed == 0:
            final = State.FAILED
        else:
            final = State.PARTIAL
        order.completion_date_s = env.now
        emit(move(order, final, env.now))
        if final is State.COMPLETED:
            self._start_billing(order)
        return final

    def _undo(self, service_order: ServiceOrder) -> Generator[simpy.Event, Any, None]:
        """Order policy ``fail_order``: roll back every service item that completed, so
        that one failed item fails the whole order and nothing stays allocated."""
        for item in service_order.items:
            if item.state is State.COMPLETED and item.resource_order is not None:
                yield self.som.rom.rollback(item.resource_order)
                if item.service_id is not None:
                    self.som.services.services[item.service_id].state = "terminated"
        for item in service_order.product_order.items:
            if item.state is State.IN_PROGRESS:
                emit = self.bus.emit
                emit(move(item, State.FAILED, self.env.now))

    def _start_billing(self, order: ProductOrder) -> None:
        ids = tuple(i.product_id for i in order.items if i.product_id)
        for product_id in ids:
            self.products.products[product_id].billing_start_s = self.env.now
        order.billing_start_s = self.env.now
        self.bus.emit(BillingStarted(order.id, ids, self.env.now))
