"""The traffic's channel into omsim's own order manager: a batch run's, and a live
server's background arrivals'. Requests become om orders here, and what the customers
see of their products and orders is read from the order manager itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from om import BillingStarted, OrderManager, ProductOrder, ProductOrderItem, State
from om.inventory import Product
from sim.traffic.requests import OrderRequest

_OPEN = (State.ACKNOWLEDGED, State.PENDING, State.IN_PROGRESS)


class OmChannel:
    """Submits requests to ``om``; ``on_submit(order, label)`` hears of each order first
    (metrics: ``label`` is how the report groups it)."""

    def __init__(self, om: OrderManager, on_submit: Callable[[ProductOrder, str], None]
                 ) -> None:
        self.om = om
        self.on_submit = on_submit

    def place(self, request: OrderRequest) -> None:
        self.submit(request)

    def submit(self, request: OrderRequest) -> ProductOrder:
        """Make the om order of ``request``, tell ``on_submit`` and submit it."""
        items = [ProductOrderItem(i.id, i.action, i.offering, i.place,
                                  dict(i.characteristics), product_id=i.product_id,
                                  product_status=i.product_status, after=i.after)
                 for i in request.items]
        order = self.om.com.new_order(items, customer=request.customer,
                                      category=request.category)
        self.on_submit(order, request.label)
        self.om.submit(order)
        return order

    def cancel(self, order: ProductOrder, reason: str) -> None:
        self.om.com.cancel(order, reason)

    def amend(self, order: ProductOrder, characteristics: Mapping[str, Any]) -> None:
        self.om.com.amend(order, order.items[0].id, dict(characteristics))

    def product(self, product_id: str) -> Product | None:
        return self.om.products.products.get(product_id)

    def busy(self, product_id: str) -> bool:
        return product_id in self.om.com.busy_products

    def open_orders(self, offering: str) -> list[ProductOrder]:
        return [o for o in self.om.com.open_orders.values()
                if o.items[0].offering == offering and o.cancellation is None
                and o.state in _OPEN]

    def on_products_started(self, callback: Callable[[Sequence[str]], None]) -> None:
        self.om.bus.subscribe(BillingStarted, lambda event: callback(event.product_ids))
