"""From TMF622 requests to the order manager, and back: the live API's thin adapter.

A request that passed the TMF622 schema becomes an om ProductOrder here. What om does not
judge (the shape of the request: item ids, duplicates, values om parses) is answered with
a 400 naming the field; everything the order manager judges (unknown offering, an address
nobody serves) is accepted and ends in a TMF state like any other order.

The command log keeps :func:`command_body`, the part of a request the order manager acts
on; the client's free text lives only in the order's document.

Cancellation and amendment go to the order manager (``Com.cancel`` / ``Com.amend``),
which may refuse them (past the point of no return); a PATCH may otherwise change only
the attributes no layer acts on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
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


# Item ids end up in correlation ids ("PO-000001/3") and are read back as numbers.
ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
# Characteristics the order manager reads as numbers (catalog approval rules), in range.
NUMERIC_CHARACTERISTICS = {"discount_percent": (0.0, 100.0)}


def request_problems(body: dict[str, Any]) -> list[str]:
    """What makes a schema-valid ProductOrder_Create unacceptable as a request."""
    items = body.get("productOrderItem") or []
    if not items:
        return ["productOrderItem: at least one item is required"]
    problems, seen = item_problems(items), set()
    for n, item in enumerate(items):
        if item["id"] in seen:
            problems.append(f"productOrderItem.{n}.id: duplicate item id '{item['id']}'")
        seen.add(item["id"])
    return problems


def item_problems(items: list[dict[str, Any]]) -> list[str]:
    """Item fields the order manager parses later, checked now (create and PATCH)."""
    problems = []
    for n, item in enumerate(items):
        if not ITEM_ID.match(str(item["id"])):
            problems.append(f"productOrderItem.{n}.id: 1 to 64 characters of A-Z, a-z, "
                            f"0-9, '.', '_', ':' or '-', starting with a letter or digit")
        product = item.get("product") or {}
        for c, characteristic in enumerate(product.get("productCharacteristic") or ()):
            bounds = NUMERIC_CHARACTERISTICS.get(characteristic.get("name"))
            value = characteristic.get("value")
            if bounds is not None and not (
                    isinstance(value, int | float) and not isinstance(value, bool)
                    and math.isfinite(value) and bounds[0] <= value <= bounds[1]):
                problems.append(f"productOrderItem.{n}.product.productCharacteristic.{c}."
                                f"value: {characteristic['name']} must be a number from "
                                f"{bounds[0]:g} to {bounds[1]:g}")
    return problems


def command_body(body: dict[str, Any]) -> dict[str, Any]:
    """The part of a create or PATCH request the order manager acts on: what the command
    log keeps. :func:`new_order` makes the same order of it as of the whole request."""
    out: dict[str, Any] = {}
    if "productOrderItem" in body:
        out["productOrderItem"] = [_item_command(raw) for raw in body["productOrderItem"]]
    customer = _customer(body)
    if customer:
        out["relatedParty"] = [{"id": customer, "role": "customer"}]
    for key in ("category", "externalId"):
        if body.get(key):
            out[key] = body[key]
    return out


def _item_command(raw: dict[str, Any]) -> dict[str, Any]:
    item = _item(raw)
    out: dict[str, Any] = {"id": raw["id"], "action": raw["action"]}
    if item.offering:
        out["productOffering"] = {"id": item.offering}
    product: dict[str, Any] = {}
    if item.product_id:
        product["id"] = item.product_id
    if item.place:
        product["place"] = [{"id": item.place}]
    if item.characteristics:
        product["productCharacteristic"] = [{"name": k, "value": v}
                                            for k, v in item.characteristics.items()]
    if product:
        out["product"] = product
    return out


@dataclass(frozen=True, slots=True)
class PreparedOrder:
    """What a create request becomes before the clock thread takes it: its items and
    what the command log keeps. Built by the API's worker thread, so that a 5,000-item
    order costs the clock thread (and every write waiting on it) as little as possible."""

    items: list[ProductOrderItem]
    command: dict[str, Any]


def prepare(body: dict[str, Any]) -> PreparedOrder:
    return PreparedOrder([_item(raw) for raw in body["productOrderItem"]],
                         command_body(body))


def new_order(om: OrderManager, body: dict[str, Any],
              prepared: PreparedOrder | None = None) -> ProductOrder:
    """The om ProductOrder for a validated TMF622 ProductOrder_Create body (its items
    from ``prepared`` when given)."""
    items = prepared.items if prepared is not None else [_item(raw)
                                                         for raw in body["productOrderItem"]]
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


def patch_problems(order: ProductOrder, body: dict[str, Any]) -> tuple[int, list[str]]:
    """(status, problems) of a PATCH before the order manager sees it; 200 when none.

    Attributes no layer acts on may change until the order ends (409 after); of the
    items, only product characteristics may change (an in-flight amendment, which om
    may refuse).
    """
    problems = attribute_problems(body)
    if problems:
        return 400, problems
    if is_terminal(order):  # the same answer once the order has left memory
        return 409, [f"productOrder {order.id} is {order.state}: it can no longer change"]
    current = {i.id: i for i in order.items}
    problems = []
    for n, raw in enumerate(body.get("productOrderItem") or ()):
        item = current.get(str(raw["id"]))
        if item is None:
            problems.append(f"productOrderItem.{n}.id: the order has no item '{raw['id']}'")
            continue
        new = _item(raw)
        for field, old, value in (("action", item.action, new.action),
                                  ("productOffering", item.offering, new.offering),
                                  ("product.place", item.place, new.place)):
            if value and value != old:
                problems.append(f"productOrderItem.{n}.{field}: cannot change in flight "
                                f"(only product characteristics can)")
    return (400, problems) if problems else (200, [])


def attribute_problems(body: dict[str, Any]) -> list[str]:
    """The attributes of a PATCH that no client may change, whatever the order's state."""
    owned = sorted(OWNED_ATTRIBUTES & body.keys())
    if owned:
        return [f"{a}: set by the order manager; not patchable"
                + (" (use cancelProductOrder)" if a == "state" else "") for a in owned]
    active = sorted(body.keys() - PASSIVE_ATTRIBUTES - {"productOrderItem"})
    return [f"{a}: cannot change once the order is accepted" for a in active]


def amendments(order: ProductOrder, items: list[dict[str, Any]]) -> list[tuple[str, dict]]:
    """(item id, changed characteristics) for each item whose characteristics change."""
    current = {i.id: i for i in order.items}
    out = []
    for raw in items:
        item = current[str(raw["id"])]
        wanted = _item(raw).characteristics
        changed = {k: v for k, v in wanted.items() if item.characteristics.get(k) != v}
        if changed:
            out.append((item.id, changed))
    return out


def amend(om: OrderManager, order: ProductOrder, item_id: str, changed: dict[str, Any]
          ) -> str:
    """Ask the order manager to change an item in flight; the refusal, or ""."""
    return om.com.amend(order, item_id, changed).refusal


def cancel(om: OrderManager, order: ProductOrder, reason: str) -> str:
    """Ask the order manager to cancel ``order`` (TMF622 cancelProductOrder); the
    refusal, or "" when accepted (the order then ends ``cancelled``)."""
    request = om.com.cancel(order, reason or "customer request")
    return "" if request.accepted else request.refusal
