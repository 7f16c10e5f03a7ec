"""A partner order in TMF622 v4 and back: the ProductOrder we place for a
:class:`om.partners.PartnerRequest`, and the :class:`om.partners.PartnerUpdate` a
partner's ProductOrder document means.

What we send: one ``productOrderItem`` ordering the partner's product offering named as
our RFS (the product code both operators agreed, e.g. ``RFS_WholesaleAccess``) at the
address (``product.place``, the shared address key) with the RFS's characteristics; the
order's ``externalId`` is our resource order item's key and ``description`` its
correlation id, so the partner's order names ours. A cease is an item ``delete`` of the
product the partner's completed order made.

What we read back (the partner's state and why): ``acknowledged``; every open TMF state
(``inProgress``, ``pending``, ``held``, the cancellation states) is in progress;
``completed`` and ``cancelled`` are what they say. ``rejected``, ``failed`` and
``partial`` end the order with an error code of :data:`om.partners.PARTNER_CODES`, read
from what the partner says of the cause (its ``errorMessage`` or notes,
:func:`sim.tmf622.causes.cause`): an address it does not know is ``address_unknown`` and
no free capacity ``no_capacity`` (both ``partner_rejected``); any other refusal is
``partner_rejected`` too; any other failure of an accepted order is ``not_delivered``
(``delivery_failed``); ``partial`` (accepted in part, ended in part) is ``partial``,
which the gateway counts as a refusal.
"""

from __future__ import annotations

from typing import Any

from om.partners import (
    ACKNOWLEDGED,
    CANCELLED,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    REJECTED,
    TERMINAL,
    PartnerRequest,
    PartnerUpdate,
)
from sim.tmf622.causes import cause

# The partner's cause (as sim.tmf622.causes keys it) -> our error code.
_ADDRESS = frozenset({"address_not_found", "address_unknown", "unknown_address"})
_CAPACITY = frozenset({"resource_exhausted", "no_capacity", "capacity_exhausted"})
_OPEN = frozenset({"acknowledged", "inProgress", "pending", "held", "assessingCancellation",
                   "pendingCancellation"})
# How far an order is: an update never moves an order back (a late notification).
_RANK = {ACKNOWLEDGED: 0, IN_PROGRESS: 1}


def order_body(request: PartnerRequest, buyer: str, product_id: str = "") -> dict[str, Any]:
    """The ProductOrder_Create of ``request``; ``buyer`` names us as the partner's
    customer; ``product_id`` is the partner's product a cease removes."""
    product: dict[str, Any] = {}
    if request.action == "delete":
        product["id"] = product_id
    if request.place:
        product["place"] = [{"id": request.place, "role": "installationAddress",
                             "@referredType": "GeographicAddress"}]
    if request.characteristics and request.action != "delete":
        product["productCharacteristic"] = [
            {"name": name, "value": value} for name, value in request.characteristics.items()]
    item: dict[str, Any] = {"id": "1", "action": request.action,
                            "productOffering": {"id": request.rfs, "name": request.rfs}}
    if product:
        item["product"] = product
    return {"@type": "ProductOrder", "category": "wholesale",
            "externalId": request.external_id,
            "description": f"{request.rfs} for {request.correlation_id}",
            "relatedParty": [{"id": buyer, "name": buyer, "role": "Customer",
                              "@referredType": "Organization"}],
            "productOrderItem": [item]}


def update_of(doc: dict[str, Any]) -> PartnerUpdate:
    """What the partner's ProductOrder ``doc`` says, as om's partner gateway reads it."""
    order_id, state = str(doc.get("id") or ""), doc.get("state")
    if state == "completed":
        return PartnerUpdate(order_id, COMPLETED)
    if state == "cancelled":
        return PartnerUpdate(order_id, CANCELLED)
    if state == "acknowledged":
        return PartnerUpdate(order_id, ACKNOWLEDGED)
    if state in _OPEN or state not in ("rejected", "failed", "partial"):
        return PartnerUpdate(order_id, IN_PROGRESS)
    if state == "partial":
        return PartnerUpdate(order_id, FAILED, "partial")
    key = cause(doc)
    if key in _ADDRESS:
        code = "address_unknown"
    elif key in _CAPACITY:
        code = "no_capacity"
    else:
        code = "" if state == "rejected" else "not_delivered"
    return PartnerUpdate(order_id, REJECTED if state == "rejected" else FAILED, code)


def later(new: PartnerUpdate, old: PartnerUpdate | None) -> bool:
    """Whether ``new`` is news after ``old``: an order moves on, never back, and an
    ended order stays as it ended."""
    if old is None:
        return True
    if old.state in TERMINAL:
        return False
    return new.state in TERMINAL or _RANK.get(new.state, 0) > _RANK.get(old.state, 0)


def product_of(doc: dict[str, Any]) -> str:
    """The id of the product a completed order made at the partner ("" if it says none)."""
    for item in doc.get("productOrderItem") or ():
        product = item.get("product") if isinstance(item, dict) else None
        if isinstance(product, dict) and product.get("id"):
            return str(product["id"])
    return ""
