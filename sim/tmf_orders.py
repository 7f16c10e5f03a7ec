"""From TMF622 requests to the order manager, and back: the live API's thin adapter.

A request that passed the TMF622 schema becomes an om ProductOrder here. What om does not
judge (the shape of the request: duplicate item ids, too many items) is answered with a
400 naming the field; everything the order manager judges (unknown offering, an address
nobody serves) is accepted and ends in a TMF state like any other order.

Cancellation and amendment go through whatever the order manager offers
(``Com.cancel`` / ``Com.amend``); while it offers nothing, a cancellation is refused with
that reason and an amendment may change only the attributes om does not act on.
"""

from __future__ import annotations

from typing import Any

from om import Action, OrderManager, ProductOrder, ProductOrderItem
from om.orders import TERMINAL

# Attributes a PATCH may change that no layer of the order manager acts on.
PASSIVE_ATTRIBUTES = frozenset({
    "description", "externalId", "priority", "note", "notificationContact", "channel",
    "requestedCompletionDate", "requestedStartDate", "agreement", "billingAccount",
    "payment", "quote", "orderTotalPrice", "productOfferingQualification", "relatedParty",
    "@baseType", "@schemaLocation", "@type",
})
# Attributes the order manager owns: a client may not set them.
OWNED_ATTRIBUTES = frozenset({"id", "href", "state", "orderDate", "completionDate",
                              "expectedCompletionDate", "cancellationDate"})


def request_problems(body: dict[str, Any]) -> list[str]:
    """What makes a schema-valid ProductOrder_Create unacceptable as a request."""
    items = body.get("productOrderItem") or []
    if not items:
        return ["productOrderItem: at least one item is required"]
    problems, seen = [], set()
    for n, item in enumerate(items):
        if item["id"] in seen:
            problems.append(f"productOrderItem.{n}.id: duplicate item id '{item['id']}'")
        seen.add(item["id"])
    return problems


def new_order(om: OrderManager, body: dict[str, Any]) -> ProductOrder:
    """The om ProductOrder for a validated TMF622 ProductOrder_Create body."""
    items = [_item(raw) for raw in body["productOrderItem"]]
    return om.com.new_order(items, customer=_customer(body),
                            category=str(body.get("category") or ""),
                            external_id=str(body.get("externalId") or ""))


def _item(raw: dict[str, Any]) -> ProductOrderItem:
    offering = raw.get("productOffering") or {}
    product = raw.get("product") or {}
    places = product.get("place") or [{}]
    characteristics = {c["name"]: c["value"] for c in product.get("productCharacteristic") or ()
                       if isinstance(c, dict) and "name" in c}
    return ProductOrderItem(
        str(raw["id"]), Action(raw["action"]),
        str(offering.get("name") or offering.get("id") or ""),
        str(places[0].get("id") or ""), characteristics,
        product_id=str(product["id"]) if product.get("id") else None)


def _customer(body: dict[str, Any]) -> str:
    parties = [p for p in body.get("relatedParty") or () if isinstance(p, dict)]
    for party in parties:
        if str(party.get("role", "")).lower() == "customer":
            return str(party.get("name") or party.get("id") or "")
    return str(parties[0].get("name") or parties[0].get("id") or "") if parties else ""


def is_terminal(order: ProductOrder) -> bool:
    return order.state in TERMINAL


def patch_problems(order: ProductOrder, body: dict[str, Any], om: OrderManager
                   ) -> tuple[int, list[str]]:
    """(status, problems) for a PATCH; status 200 when there are none."""
    owned = sorted(OWNED_ATTRIBUTES & body.keys())
    if owned:
        return 400, [f"{a}: set by the order manager; not patchable"
                     + (" (use cancelProductOrder)" if a == "state" else "") for a in owned]
    if is_terminal(order):
        return 409, [f"productOrder {order.id} is {order.state}: it can no longer change"]
    active = sorted(body.keys() - PASSIVE_ATTRIBUTES - {"productOrderItem"})
    if active:
        return 400, [f"{a}: cannot change once the order is accepted" for a in active]
    if "productOrderItem" in body and _items_changed(order, body["productOrderItem"]):
        amend = getattr(om.com, "amend", None)
        if amend is None:
            return 409, ["productOrderItem: this order manager cannot amend items in flight"]
    return 200, []


def _items_changed(order: ProductOrder, items: list[dict[str, Any]]) -> bool:
    current = {i.id: i for i in order.items}
    for raw in items:
        item = current.get(str(raw.get("id")))
        if item is None:
            return True
        new = _item(raw)
        if (new.action, new.characteristics) != (item.action, item.characteristics):
            return True
        if new.offering and new.offering != item.offering:
            return True
        if new.place and new.place != item.place:
            return True
    return False


def amend(om: OrderManager, order: ProductOrder, items: list[dict[str, Any]]) -> None:
    """Hand changed item characteristics to the order manager's amendment."""
    current = {i.id: i for i in order.items}
    for raw in items:
        item = current.get(str(raw.get("id")))
        if item is None:
            continue
        new = _item(raw)
        if new.characteristics != item.characteristics:
            om.com.amend(order, item.id, new.characteristics)  # type: ignore[attr-defined]


def cancel(om: OrderManager, order: ProductOrder, reason: str) -> Any:
    """Ask the order manager to cancel ``order``: a SimPy event whose value says whether
    it was cancelled, or a string saying why it cannot even be tried."""
    if is_terminal(order):
        return f"productOrder {order.id} is already {order.state}"
    cancel_fn = getattr(om.com, "cancel", None)
    if cancel_fn is None:
        return "this order manager cannot cancel orders in flight"
    return cancel_fn(order, reason)
