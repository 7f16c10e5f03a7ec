"""The products the target created for drive's customers, as seen from outside: learnt
from the target's own answer about each order that ended (the items' ``product.id``),
so that later modify, cease, move, suspend and resume orders act on real products of
the target, drawn by the same named random streams as in a batch run.

An order's effect on its products is applied when it ends completed or partial, item
by item (a completed add creates a product, a completed delete terminates one, a
modify to ``suspended`` suspends it); the products of a completed order then count as
customers (in a batch run, billing starts only then).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from om import Action
from sim.traffic.requests import ItemRequest, OrderRequest


@dataclass(slots=True)
class Product:
    """A product of the target (TMF637 Product) that drive knows of."""

    id: str
    offering: str
    place: str
    customer: str
    status: str = "active"  # active | suspended | terminated
    characteristics: dict[str, Any] = field(default_factory=dict)


class Products:
    """Every product learnt, by id, and who hears of the new ones."""

    def __init__(self) -> None:
        self.by_id: dict[str, Product] = {}
        self.listeners: list[Callable[[Sequence[str]], None]] = []

    def get(self, product_id: str) -> Product | None:
        return self.by_id.get(product_id)

    def missing_ids(self, request: OrderRequest, doc: Mapping[str, Any]) -> bool:
        """Whether ``doc`` lacks the product id of a completed add item (then the whole
        order must be fetched to learn it)."""
        items = _items(doc)
        return any(i.action is Action.ADD and items.get(i.id, {}).get("state") == "completed"
                   and not _product(items.get(i.id, {})).get("id") for i in request.items)

    def learn(self, request: OrderRequest, doc: Mapping[str, Any], completed: bool) -> None:
        """Apply what an ended order did to its products; a completed order's new
        products are announced to the listeners."""
        items = _items(doc)
        started = []
        for item in request.items:
            sent = items.get(item.id, {})
            if sent.get("state", "completed" if completed else "") != "completed":
                continue
            product_id = self._apply(item, request.customer, sent)
            if product_id is not None:
                started.append(product_id)
        if completed and started:
            for listener in self.listeners:
                listener(started)

    def _apply(self, item: ItemRequest, customer: str, seen: Mapping[str, Any]) -> str | None:
        product = _product(seen)
        if item.action is Action.ADD:
            product_id = str(product.get("id") or "")
            if not product_id:
                return None
            values = _characteristics(product) or dict(item.characteristics)
            self.by_id[product_id] = Product(product_id, item.offering, item.place, customer,
                                             characteristics=values)
            return product_id
        known = self.by_id.get(item.product_id or "")
        if known is None:
            return None
        if item.action is Action.DELETE:
            known.status = "terminated"
        elif item.product_status:
            known.status = item.product_status
        else:
            known.characteristics.update(item.characteristics)
        return None


def product_from_inventory(doc: Mapping[str, Any]) -> Product | None:
    """A TMF637 Product document as a product later orders can act on; None when it
    lacks the id, offering or place such an order needs."""
    offering = doc.get("productOffering")
    place = doc.get("place")
    party = doc.get("relatedParty")
    if not (doc.get("id") and isinstance(offering, dict) and offering.get("id")
            and isinstance(place, list) and place and isinstance(place[0], dict)):
        return None
    customer = party[0].get("id", "") if isinstance(party, list) and party \
        and isinstance(party[0], dict) else ""
    return Product(str(doc["id"]), str(offering["id"]), str(place[0].get("id", "")),
                   str(customer), str(doc.get("status") or "active"),
                   _characteristics(doc))


def _items(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    items = doc.get("productOrderItem")
    if not isinstance(items, list):
        return {}
    return {str(i.get("id")): i for i in items if isinstance(i, dict)}


def _product(item: Mapping[str, Any]) -> dict[str, Any]:
    product = item.get("product")
    return product if isinstance(product, dict) else {}


def _characteristics(product: Mapping[str, Any]) -> dict[str, Any]:
    values = product.get("productCharacteristic")
    if not isinstance(values, list):
        return {}
    return {str(c["name"]): c.get("value") for c in values
            if isinstance(c, dict) and "name" in c}
