"""``omsim export``: the orders of a traced run (``omsim run --trace``) as TMF622
ProductOrder documents, one JSON object a line, in the shape the live API's GET serves
(``id``, ``href``, ``orderDate``, ``completionDate``, ``state``, ``category``,
``productOrderItem`` with action, state, offering and site, ``relatedParty``).

What TMF622 has no field for follows its extension pattern (``@type`` names the
extended class, ``@baseType`` the TMF one): an order with a fallout is an
``OmsimProductOrder`` with ``fallout`` (``cause``, ``layer``, ``date``, and the
``element`` of a ROM fallout), and an item with install visits is an
``OmsimProductOrderItem`` with ``installVisit`` (``bookedDate``, ``appointmentDate``,
``startDate``, ``endDate``, ``outcome``: ``installed`` or ``customerNotHome``). A reader
that knows only TMF622 reads them as plain ProductOrders.

Simulated time 0 is :data:`EPOCH`, Monday 1 January 2024 00:00 UTC, so a scenario's
weekday and hour of day (rate profiles start on a Monday) are the documents' own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from om.errors import ReportError
from sim.files import write_text

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
BASE_PATH = "/tmf-api/productOrderingManagement/v4"


def date(sim_s: float | None) -> str | None:
    """Simulated seconds as the UTC date-time TMF documents carry (milliseconds)."""
    if sim_s is None:
        return None
    moment = EPOCH + timedelta(seconds=sim_s)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def product_orders(report: dict[str, Any], source: str = "<report>",
                   everything: bool = False) -> Iterator[dict[str, Any]]:
    """The ProductOrder document of every order in the report's trace submitted after
    the run's warm-up (``everything``: every order), by order date. Without the warm-up
    the history is that of a network in its steady state, as an operator's is, and
    covers the orders the report's own figures cover."""
    trace = report.get("trace")
    if not isinstance(trace, dict):
        raise ReportError(f"{source}: no order trace in this report; write one with "
                          f"'omsim run SCENARIO --trace --out {source}'")
    warmup_s = 0.0 if everything else float(report["sim"]["warmup_days"]) * 86400.0
    for tree in sorted(trace.values(), key=lambda t: (t["order_date_s"], t["id"])):
        if tree["order_date_s"] >= warmup_s:
            yield product_order(tree)


def product_order(tree: dict[str, Any]) -> dict[str, Any]:
    """One order's tree (:mod:`sim.measure.trace`) as a ProductOrder document."""
    ended = _ended_s(tree)
    doc: dict[str, Any] = {
        "@type": "ProductOrder",
        "id": tree["id"],
        "href": f"{BASE_PATH}/productOrder/{tree['id']}",
        "orderDate": date(tree["order_date_s"]),
        "state": tree["state"],
        "productOrderItem": [_item(item) for item in tree["items"]],
        "relatedParty": _parties(tree),
    }
    if tree.get("category"):
        doc["category"] = tree["category"]
    if ended is not None:
        doc["completionDate"] = date(ended)
    if tree.get("state_reason"):
        doc["note"] = [{"id": "omsim-state", "author": "omsim", "text": tree["state_reason"]}]
    fallout = tree.get("fallout")
    if fallout:
        doc["@type"], doc["@baseType"] = "OmsimProductOrder", "ProductOrder"
        doc["fallout"] = {"cause": fallout["cause"], "layer": fallout["layer"],
                          "date": date(fallout["at_s"])}
        element = _element_of(tree, fallout["item"])
        if element:
            doc["fallout"]["element"] = element
    return doc


def write_orders(report: dict[str, Any], out: Path, source: str = "<report>",
                 everything: bool = False) -> int:
    """Write the report's orders (:func:`product_orders`) to ``out`` as JSON lines;
    returns how many."""
    lines = [json.dumps(doc, ensure_ascii=False)
             for doc in product_orders(report, source, everything)]
    write_text(out, "".join(line + "\n" for line in lines), "--orders")
    return len(lines)


def _ended_s(tree: dict[str, Any]) -> float | None:
    """When the order reached a terminal state (its last history entry), if it did."""
    terminal = ("completed", "failed", "partial", "cancelled", "rejected")
    if tree["state"] not in terminal or not tree["history"]:
        return None
    return float(tree["history"][-1][1])


def _item(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item["id"], "action": item["action"], "state": item["state"],
                           "productOffering": {"id": item["offering"], "name": item["offering"]}}
    product: dict[str, Any] = {}
    if item.get("product"):
        product["id"] = item["product"]
        product["href"] = f"/tmf-api/productInventory/v4/product/{item['product']}"
    if item.get("place"):
        product["place"] = [{"id": item["place"], "role": "installationAddress",
                             "@referredType": "GeographicAddress"}]
    if product:
        out["product"] = product
    visits = [v for s in item.get("services", ())
              for r in (s.get("resource_order") or {}).get("items", ())
              for v in r.get("visits", ())]
    if visits:
        out["@type"], out["@baseType"] = "OmsimProductOrderItem", "ProductOrderItem"
        out["installVisit"] = [_visit(v) for v in visits]
    return out


def _visit(visit: dict[str, Any]) -> dict[str, Any]:
    out = {"bookedDate": date(visit.get("booked_s")), "appointmentDate": date(visit["queued_s"])}
    if "started_s" in visit:
        out["startDate"] = date(visit["started_s"])
    if "ended_s" in visit:
        out["endDate"] = date(visit["ended_s"])
        out["outcome"] = "installed" if visit["installed"] else "customerNotHome"
    return {k: v for k, v in out.items() if v is not None}


def _element_of(tree: dict[str, Any], item_key: str) -> str | None:
    """The element (``olt:EX01-OLT01``) of the resource order item that fell out."""
    for item in tree["items"]:
        for service in item.get("services", ()):
            for r in (service.get("resource_order") or {}).get("items", ()):
                if r["id"] == item_key:
                    return r.get("target")
    return None


def _parties(tree: dict[str, Any]) -> list[dict[str, Any]]:
    if not tree.get("customer"):
        return []
    return [{"id": tree["customer"], "name": tree["customer"], "role": "Customer",
             "@referredType": "Individual" if tree.get("category") == "b2c"
             else "Organization"}]
