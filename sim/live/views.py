"""TMF JSON views of the order manager's objects: what the live API serves.

One function per TMF resource: ProductOrder and CancelProductOrder (TMF622),
ServiceOrder (TMF641), ResourceOrder (TMF652), Product (TMF637), Service (TMF638) and
Resource (TMF639). Simulated seconds become UTC date-times from the run's epoch, so a
date survives a restart unchanged. A product order created through the API keeps every
attribute its client sent; what the order manager owns (id, state, dates, item states,
product ids) is laid over it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from om import ProductOrder, ResourceOrder, ServiceOrder
from om.inventory import Product, Resource, Service
from om.orders import State, TaskState
from om.tmf_specs import base_path

# API name -> the basePath its spec declares (without the trailing slash some have).
BASE_PATHS = {api: base_path(api).rstrip("/")
              for api in ("TMF622", "TMF641", "TMF652", "TMF637", "TMF638", "TMF639")}

# Collection (the path segment) -> its API.
COLLECTIONS = {
    "productOrder": "TMF622",
    "cancelProductOrder": "TMF622",
    "serviceOrder": "TMF641",
    "resourceOrder": "TMF652",
    "product": "TMF637",
    "service": "TMF638",
    "resource": "TMF639",
}

# Collection -> the TMF definition its documents follow.
DEFINITIONS = {
    "productOrder": "ProductOrder",
    "cancelProductOrder": "CancelProductOrder",
    "serviceOrder": "ServiceOrder",
    "resourceOrder": "ResourceOrder",
    "product": "Product",
    "service": "Service",
    "resource": "Resource",
}

# What the order manager decides, whatever a client sent.
_OWNED = frozenset({"id", "href", "state", "orderDate", "completionDate",
                    "expectedCompletionDate", "cancellationDate", "cancellationReason"})
_FELL_OUT = frozenset({State.FAILED, State.PARTIAL})
_RESOURCE_STATUS = {"reserved": "reserved", "available": "available",
                    "reconciled": "unknown", "terminated": "unknown"}


def href(collection: str, id: str) -> str:
    return f"{BASE_PATHS[COLLECTIONS[collection]]}/{collection}/{id}"


@dataclass(frozen=True)
class Cancellation:
    """A cancelProductOrder request (TMF622 CancelProductOrder): a task whose state is
    ``acknowledged``, ``inProgress``, ``done`` or ``terminatedWithError``."""

    id: str
    order_id: str
    reason: str
    requested_s: float
    payload: dict[str, Any]


class Views:
    """Serialises one run's objects; ``epoch`` is the wall-clock date of simulated 0 s."""

    def __init__(self, epoch: datetime) -> None:
        self.epoch = epoch

    def date(self, sim_s: float | None) -> str | None:
        if sim_s is None:
            return None
        moment = self.epoch + timedelta(seconds=sim_s)
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # -- TMF622 -----------------------------------------------------------------------
    def product_order(self, order: ProductOrder, payload: dict[str, Any] | None
                      ) -> dict[str, Any]:
        payload = payload or {}
        sent_items = {str(i.get("id")): i for i in payload.get("productOrderItem", ())
                      if isinstance(i, dict)}
        items = [self._product_order_item(item, sent_items.get(item.id, {}))
                 for item in order.items]
        doc: dict[str, Any] = {"@type": "ProductOrder"}
        doc.update((k, v) for k, v in payload.items() if k not in _OWNED)
        doc.update({
            "id": order.id,
            "href": href("productOrder", order.id),
            "orderDate": self.date(order.order_date_s),
            "state": order.state.value,
            "productOrderItem": items,
            "relatedParty": payload.get("relatedParty") or _parties(order),
        })
        if order.category:
            doc["category"] = order.category
        if order.external_id:
            doc["externalId"] = order.external_id
        if order.completion_date_s is not None:
            doc["completionDate"] = self.date(order.completion_date_s)
        cancellation = order.cancellation
        if order.cancelling and cancellation is not None:
            doc["cancellationReason"] = cancellation.reason
            if cancellation.decided_s is not None:
                doc["cancellationDate"] = self.date(cancellation.decided_s)
        reason = order.state_reason or (
            order.fallout_cause if order.state in _FELL_OUT and order.fallout_cause else "")
        if reason:
            # TMF622 v4 has no stateReason; a note keeps the reason visible (for an
            # order that failed, its root cause: what a buyer's gateway maps, issue 17).
            notes = [n for n in doc.get("note", ()) if n.get("id") != "omsim-state"]
            doc["note"] = [*notes, {"id": "omsim-state", "author": "omsim",
                                    "text": reason}]
        return doc

    def _product_order_item(self, item: Any, sent: dict[str, Any]) -> dict[str, Any]:
        out = {**sent, "id": item.id, "action": item.action.value, "state": item.state.value}
        if item.offering:
            out["productOffering"] = {**sent.get("productOffering", {}), "id": item.offering,
                                      "name": item.offering}
        product = dict(sent.get("product") or {})
        if item.product_id:
            product["id"] = item.product_id
            product["href"] = href("product", item.product_id)
        if item.place and not product.get("place"):
            product["place"] = [_place(item.place)]
        if item.characteristics:  # om's, so an amendment shows
            product["productCharacteristic"] = _characteristics(item.characteristics)
        if product:
            out["product"] = product
        return out

    def cancellation(self, cancel: Cancellation, state: TaskState, effective_s: float | None,
                     reason: str) -> dict[str, Any]:
        doc = {"@type": "CancelProductOrder", **cancel.payload}
        doc.update({
            "id": cancel.id,
            "href": href("cancelProductOrder", cancel.id),
            "productOrder": {"id": cancel.order_id, "href": href("productOrder", cancel.order_id),
                             "@referredType": "ProductOrder"},
            "state": state.value,
        })
        if cancel.reason:
            doc["cancellationReason"] = cancel.reason
        if effective_s is not None:
            doc["effectiveCancellationDate"] = self.date(effective_s)
        if reason and state is TaskState.TERMINATED_WITH_ERROR:
            # Why the order manager refused: TMF622 v4 has no field for it.
            doc["cancellationReason"] = (f"{cancel.reason} (refused: {reason})"
                                         if cancel.reason else f"refused: {reason}")
        return doc

    # -- TMF641 / TMF652 ---------------------------------------------------------------
    def service_order(self, order: ServiceOrder) -> dict[str, Any]:
        items = []
        for item in order.items:
            service: dict[str, Any] = {
                "@type": "Service", "name": item.cfs,
                "serviceSpecification": {"id": item.cfs, "name": item.cfs},
                "place": [_place(item.product_item.place)],
            }
            if item.service_id:
                service["id"] = item.service_id
                service["href"] = href("service", item.service_id)
            entry: dict[str, Any] = {"id": item.id, "action": item.action.value,
                                     "state": item.state.value, "service": service}
            if item.requires:
                entry["serviceOrderItemRelationship"] = [
                    {"relationshipType": "dependsOn",
                     "orderItem": {"itemId": r.id, "serviceOrderId": order.id}}
                    for r in item.requires]
            items.append(entry)
        doc: dict[str, Any] = {
            "@type": "ServiceOrder", "id": order.id, "href": href("serviceOrder", order.id),
            "orderDate": self.date(order.order_date_s), "state": order.state.value,
            "externalReference": [{"name": order.product_order.id,
                                   "externalReferenceType": "productOrder"}],
            "serviceOrderItem": items,
        }
        if order.completion_date_s is not None:
            doc["completionDate"] = self.date(order.completion_date_s)
        return doc

    def resource_order(self, order: ResourceOrder,
                       partners: Mapping[str, tuple[str, str]] | None = None
                       ) -> dict[str, Any]:
        """``partners``: the partner order of each partner item, by the item's key, as
        (partner, its order id): listed among the external references, so that the
        partner's order id is on our side as our item's key is on the partner's."""
        items = []
        for item in order.items:
            entry: dict[str, Any] = {
                "id": item.id, "action": item.action.value, "state": item.state.value,
                "resourceSpecification": {"id": item.rfs, "name": item.rfs},
            }
            if item.reservations:
                first = item.reservations[0]
                entry["resource"] = {"id": first.id, "href": href("resource", first.id),
                                     "name": first.value, "@referredType": "LogicalResource"}
            items.append(entry)
        doc: dict[str, Any] = {
            "@type": "ResourceOrder", "id": order.id, "href": href("resourceOrder", order.id),
            "orderDate": self.date(order.order_date_s), "state": order.state.value,
            "externalReference": [{"id": order.service_item.key,
                                   "entityType": "ServiceOrderItem", "owner": "omsim SOM"}],
            "orderItem": items,
        }
        for item in order.items:
            partner = partners.get(item.key) if partners else None
            if partner is not None:
                doc["externalReference"].append({
                    "id": partner[1], "name": item.id, "entityType": "ProductOrder",
                    "owner": f"partner {partner[0]}"})
        if order.completion_date_s is not None:
            doc["completionDate"] = self.date(order.completion_date_s)
        return doc

    # -- inventories (TMF637 / TMF638 / TMF639) ------------------------------------------
    def product(self, product: Product) -> dict[str, Any]:
        order_id, _, item_id = product.order_item.partition("/")
        doc: dict[str, Any] = {
            "@type": "Product", "id": product.id, "href": href("product", product.id),
            "name": product.offering, "status": product.status,
            "startDate": self.date(product.start_s),
            "productOffering": {"id": product.offering, "name": product.offering},
            "place": [_place(product.place)],
            "productCharacteristic": _characteristics(product.characteristics),
            "realizingService": [{"id": s, "href": href("service", s)}
                                 for s in product.service_ids],
            "productOrderItem": [{"orderItemId": item_id, "productOrderId": order_id,
                                  "productOrderHref": href("productOrder", order_id)}],
        }
        if product.customer:
            doc["relatedParty"] = [{"id": product.customer, "name": product.customer,
                                    "role": "Customer", "@referredType": "Party"}]
        if product.charges.product_price():
            doc["productPrice"] = product.charges.product_price()
        if product.term_start_s is not None and product.term_end_s is not None:
            doc["productTerm"] = [{
                "name": "contract term",
                "duration": {"amount": product.charges.term_months, "units": "month"},
                "validFor": {"startDateTime": self.date(product.term_start_s),
                             "endDateTime": self.date(product.term_end_s)}}]
        return doc

    def service(self, service: Service) -> dict[str, Any]:
        return {
            "@type": "Service", "id": service.id, "href": href("service", service.id),
            "name": service.cfs, "state": service.state,
            "startDate": self.date(service.start_s),
            "serviceSpecification": {"id": service.cfs, "name": service.cfs},
            "place": [_place(service.place)],
            "supportingResource": [{"id": r, "href": href("resource", r)}
                                   for r in service.resource_ids],
            "serviceCharacteristic": [{"name": "correlationId",
                                       "value": service.correlation_id}],
        }

    def resource(self, resource: Resource) -> dict[str, Any]:
        return {
            "@type": "LogicalResource", "id": resource.id, "href": href("resource", resource.id),
            "name": resource.value, "category": resource.kind.value,
            "resourceStatus": _RESOURCE_STATUS.get(resource.status, "unknown"),
            "startOperatingDate": self.date(resource.since_s),
            "resourceCharacteristic": [
                {"name": "pool", "value": resource.pool.name},
                {"name": "slot", "value": resource.slot},
                {"name": "element", "value": resource.element},
                {"name": "correlationId", "value": resource.correlation_id},
            ],
        }


def _place(address_id: str) -> dict[str, Any]:
    return {"id": address_id, "role": "installationAddress",
            "@referredType": "GeographicAddress"}


def _characteristics(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def _parties(order: ProductOrder) -> list[dict[str, Any]]:
    if not order.customer:
        return []
    return [{"id": order.customer, "name": order.customer, "role": "Customer",
             "@referredType": "Individual" if order.category == "b2c" else "Organization"}]


def epoch_now() -> datetime:
    """A fresh run's epoch: now, to the millisecond, in UTC."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
