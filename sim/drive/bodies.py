"""TMF622 v4 request bodies for order requests: what ``omsim drive`` and the Locust users
send. One place, so a Locust run and a drive run of a scenario send the same bodies.

A provide becomes items ``add`` at ``product.place``; a modify, ``modify`` with the new
``productCharacteristic``; suspend and resume, ``modify`` with ``product.status``; a cease,
``delete``; a move, an ``add`` and a ``delete`` that depends on it
(``orderItemRelationship`` of type ``dependsOn``). Changes name the product they act on
(``product.id``). Cancellation is a ``cancelProductOrder``; an amendment, a JSON merge
PATCH of the first item's characteristics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.traffic.requests import ItemRequest, OrderRequest

_PARTY_TYPE = {"b2c": "Individual"}


def order_body(request: OrderRequest, external_id: str = "") -> dict[str, Any]:
    """The ProductOrder_Create body of ``request``."""
    body: dict[str, Any] = {"@type": "ProductOrder", "category": request.category,
                            "description": request.label}
    if external_id:
        body["externalId"] = external_id
    if request.customer:
        body["relatedParty"] = [{"id": request.customer, "name": request.customer,
                                 "role": "Customer",
                                 "@referredType": _PARTY_TYPE.get(request.category,
                                                                  "Organization")}]
    body["productOrderItem"] = [item_body(item) for item in request.items]
    return body


def item_body(item: ItemRequest) -> dict[str, Any]:
    """One productOrderItem."""
    product: dict[str, Any] = {}
    if item.product_id:
        product["id"] = item.product_id
    if item.product_status:
        product["status"] = item.product_status
    if item.place:
        product["place"] = [{"id": item.place, "role": "installationAddress",
                             "@referredType": "GeographicAddress"}]
    if item.characteristics:
        product["productCharacteristic"] = characteristics(item.characteristics)
    out: dict[str, Any] = {"id": item.id, "action": item.action.value,
                           "productOffering": {"id": item.offering, "name": item.offering}}
    if product:
        out["product"] = product
    if item.after:
        out["orderItemRelationship"] = [{"id": other, "relationshipType": "dependsOn"}
                                        for other in item.after]
    return out


def cancel_body(order_id: str, href: str, reason: str) -> dict[str, Any]:
    """The CancelProductOrder_Create body for the order ``order_id``."""
    return {"@type": "CancelProductOrder", "cancellationReason": reason,
            "productOrder": {"id": order_id, "href": href, "@referredType": "ProductOrder"}}


def amend_body(item: ItemRequest, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The merge PATCH that changes ``item``'s characteristics in flight."""
    return {"productOrderItem": [{"id": item.id, "action": item.action.value,
                                  "product": {"productCharacteristic":
                                              characteristics(changes)}}]}


def characteristics(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "value": value} for name, value in values.items()]
