"""The live API speaks TMF622 v4: every response body validates against the spec's
schemas (the read-only views against TMF641/652/637/638/639), and bad input gets a TMF
Error naming the field, never a 500."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from om.orders import TERMINAL
from om.tmf_specs import validate_body
from sim.live.api.app import ApiSettings, create_app
from sim.live.service import LiveService
from sim.scenario.load import scenario_from_dict
from tests.conftest import REPO
from tests.livetools import PO, b2c_order, bulk_order, live_scenario

VIEWS = {  # collection -> (API, base path, definition)
    "serviceOrder": ("TMF641", "/tmf-api/serviceOrdering/v4", "ServiceOrder"),
    "resourceOrder": ("TMF652", "/tmf-api/resourceOrderingManagement/v4", "ResourceOrder"),
    "product": ("TMF637", "/tmf-api/productInventory/v4", "Product"),
    "service": ("TMF638", "/tmf-api/serviceInventory/v4", "Service"),
    "resource": ("TMF639", "/tmf-api/resourceInventoryManagement/v4", "Resource"),
}


def conforms(response: httpx.Response, api: str, definition: str) -> Any:
    """The response body, after checking it against ``definition`` (each element of a
    list)."""
    body = response.json()
    for doc in body if isinstance(body, list) else [body]:
        assert validate_body(api, definition, doc) == [], (response.request.url, doc)
    return body


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = conforms(response, "TMF622", "Error")
    assert body["code"] == str(status) and body["status"] == str(status)
    return body["message"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[str]]]:
    tmp = tmp_path_factory.mktemp("live")
    # Visits are booked a quarter day ahead (about a wall second): time to cancel.
    scenario = scenario_from_dict(live_scenario(min_lead_days=0.25), "live.yaml", REPO)
    service = LiveService(scenario, tmp / "live.sqlite", speed=20000)
    service.start()
    app = create_app(service, ApiSettings(max_items=60, max_body_bytes=200_000))
    with TestClient(app) as client:
        addresses = [a["id"] for a in client.get("/omsim/addresses",
                                                 params={"limit": 200}).json()]
        yield client, addresses
    service.stop()


def wait_until_terminal(client: TestClient, order_id: str, timeout_s: float = 20) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        order = client.get(f"{PO}/productOrder/{order_id}").json()
        if order["state"] in TERMINAL or time.monotonic() > deadline:
            return order
        time.sleep(0.05)


def test_product_order_lifecycle_conforms_to_tmf622(live) -> None:
    """POST / GET / PATCH / DELETE of productOrder return TMF622 ProductOrder bodies."""
    client, addresses = live
    created = client.post(f"{PO}/productOrder", json={**b2c_order(addresses[0]),
                                                      "externalId": "crm-1"})
    assert created.status_code == 201
    order = conforms(created, "TMF622", "ProductOrder")
    # In flight (its visit is a quarter day, about a wall second, away): free text changes.
    patched = client.patch(f"{PO}/productOrder/{order['id']}",
                           json={"description": "ring the bell twice"})
    assert patched.status_code == 200, patched.text
    assert conforms(patched, "TMF622", "ProductOrder")["description"] == "ring the bell twice"
    assert created.headers["Location"] == order["href"]
    # The reply is the document as committed, read after the commit: at 20,000x a later
    # tick may already have moved the order on (seen under load), never past inProgress.
    assert order["state"] in ("acknowledged", "inProgress") and order["orderDate"].endswith("Z")
    assert {"id", "href", "orderDate", "state", "productOrderItem", "relatedParty"} <= order.keys()

    bare = client.post(f"{PO}/productOrder",
                       json={"productOrderItem": [{"id": "1", "action": "add"}]})
    assert bare.status_code == 201  # only the mandatory fields: accepted, judged by om
    bulk = client.post(f"{PO}/productOrder", json=bulk_order(addresses[10:40]))
    assert len(conforms(bulk, "TMF622", "ProductOrder")["productOrderItem"]) == 30

    assert "state" in error(client.patch(f"{PO}/productOrder/{order['id']}",
                                         json={"state": "completed"}), 400)

    done = wait_until_terminal(client, order["id"])
    assert done["state"] == "completed" and done["completionDate"].endswith("Z")
    # An order that ended takes no more changes, not even to its free text.
    assert "can no longer change" in error(client.patch(
        f"{PO}/productOrder/{order['id']}", json={"description": "ring twice"}), 409)
    assert wait_until_terminal(client, bare.json()["id"])["state"] == "rejected"
    got = client.get(f"{PO}/productOrder/{order['id']}")
    assert conforms(got, "TMF622", "ProductOrder")["externalId"] == "crm-1"
    item = got.json()["productOrderItem"][0]
    assert item["state"] == "completed" and item["product"]["id"].startswith("PRD-")

    assert client.delete(f"{PO}/productOrder/{order['id']}").status_code == 204
    error(client.get(f"{PO}/productOrder/{order['id']}"), 404)
    error(client.delete(f"{PO}/productOrder/{order['id']}"), 404)


def test_patch_amends_item_characteristics_in_flight(live) -> None:
    """PATCH of an item's product characteristics before activation is an in-flight
    amendment: the product ends with the new value; moving the item is a 400; after
    completion the PATCH is a 409."""
    client, addresses = live
    order_id = client.post(f"{PO}/productOrder", json=b2c_order(addresses[90])).json()["id"]
    faster = {"productOrderItem": [{"id": "1", "action": "add", "product": {
        "productCharacteristic": [{"name": "downstream_mbps", "value": 1000}]}}]}
    amended = client.patch(f"{PO}/productOrder/{order_id}", json=faster)
    assert amended.status_code == 200, amended.text
    characteristics = conforms(amended, "TMF622", "ProductOrder")[
        "productOrderItem"][0]["product"]["productCharacteristic"]
    assert {"name": "downstream_mbps", "value": 1000} in characteristics
    moved = {"productOrderItem": [{"id": "1", "action": "add", "product": {
        "place": [{"id": addresses[91], "role": "installationAddress"}]}}]}
    assert "product.place" in error(client.patch(f"{PO}/productOrder/{order_id}",
                                                 json=moved), 400)
    done = wait_until_terminal(client, order_id)
    assert done["state"] == "completed"
    product = client.get(done["productOrderItem"][0]["product"]["href"]).json()
    assert {"name": "downstream_mbps", "value": 1000} in product["productCharacteristic"]
    assert "completed" in error(client.patch(f"{PO}/productOrder/{order_id}", json=faster), 409)


def test_list_filters_are_anded_and_paginated(live) -> None:
    """GET productOrder: attribute filters combined with AND, fields=, offset/limit and
    the X-Total-Count / X-Result-Count headers."""
    client, addresses = live
    ids = [client.post(f"{PO}/productOrder",
                       json={**b2c_order(a), "externalId": "batch-7"}).json()["id"]
           for a in addresses[50:56]]
    for order_id in ids:
        wait_until_terminal(client, order_id)
    page = client.get(f"{PO}/productOrder", params={"externalId": "batch-7", "limit": 4})
    assert page.headers["X-Total-Count"] == "6" and page.headers["X-Result-Count"] == "4"
    assert [o["id"] for o in conforms(page, "TMF622", "ProductOrder")] == ids[:4]
    rest = client.get(f"{PO}/productOrder",
                      params={"externalId": "batch-7", "offset": 4, "limit": 4})
    assert [o["id"] for o in rest.json()] == ids[4:]
    both = client.get(f"{PO}/productOrder", params={"externalId": "batch-7",
                                                    "state": "rejected"})
    assert both.headers["X-Total-Count"] == "0" and both.json() == []
    by_item = client.get(f"{PO}/productOrder", params={"externalId": "batch-7",
                                                       "productOrderItem.state": "completed"})
    assert by_item.headers["X-Total-Count"] == "6"
    slim = client.get(f"{PO}/productOrder", params={"externalId": "batch-7",
                                                    "fields": "state"}).json()
    assert all(set(o) == {"id", "href", "@type", "state"} for o in slim)


def test_read_only_views_conform_to_their_specs(live) -> None:
    """serviceOrder (TMF641), resourceOrder (TMF652), product (TMF637), service (TMF638)
    and resource (TMF639): lists and single documents validate against their specs."""
    client, addresses = live
    order_id = client.post(f"{PO}/productOrder", json=b2c_order(addresses[60])).json()["id"]
    assert wait_until_terminal(client, order_id)["state"] == "completed"
    for collection, (api, base, definition) in VIEWS.items():
        listed = client.get(f"{base}/{collection}", params={"limit": 50})
        assert listed.status_code == 200 and int(listed.headers["X-Total-Count"]) >= 1
        first = conforms(listed, api, definition)[0]
        single = client.get(f"{base}/{collection}/{first['id']}")
        assert conforms(single, api, definition)["id"] == first["id"]
        error(client.get(f"{base}/{collection}/nope"), 404)


def test_cancel_product_order_conforms(live) -> None:
    """cancelProductOrder POST/GET return TMF622 CancelProductOrder bodies: a cancel
    before the visit ends done with the order cancelled; one after it ends
    terminatedWithError with the reason."""
    client, addresses = live
    order_id = client.post(f"{PO}/productOrder", json=b2c_order(addresses[70])).json()["id"]
    created = client.post(f"{PO}/cancelProductOrder", json={
        "productOrder": {"id": order_id}, "cancellationReason": "moved abroad"})
    assert created.status_code == 201
    cancel = conforms(created, "TMF622", "CancelProductOrder")
    assert created.headers["Location"] == cancel["href"]
    assert wait_until_terminal(client, order_id)["state"] == "cancelled"
    got = client.get(f"{PO}/cancelProductOrder/{cancel['id']}")
    assert conforms(got, "TMF622", "CancelProductOrder")["state"] == "done"
    assert got.json()["effectiveCancellationDate"].endswith("Z")

    late = client.post(f"{PO}/cancelProductOrder", json={"productOrder": {"id": order_id}})
    assert conforms(late, "TMF622", "CancelProductOrder")["state"] == "terminatedWithError"
    assert "cancelled" in late.json()["cancellationReason"]
    listed = client.get(f"{PO}/cancelProductOrder", params={"productOrder.id": order_id})
    assert len(conforms(listed, "TMF622", "CancelProductOrder")) == 2
    assert "productOrder.id" in error(client.post(f"{PO}/cancelProductOrder", json={
        "productOrder": {"id": "PO-999999"}}), 404)


def test_bad_input_gets_a_tmf_error_naming_the_field(live) -> None:
    """400 names the field, 404 for unknown ids, 413 beyond the item and body limits."""
    client, addresses = live
    bad_action = {"productOrderItem": [{"id": "1", "action": "upgrade"}]}
    assert "productOrderItem[0].action" in error(client.post(f"{PO}/productOrder",
                                                             json=bad_action), 400)
    assert "productOrderItem" in error(client.post(f"{PO}/productOrder", json={}), 400)
    assert "JSON" in error(client.post(f"{PO}/productOrder", content=b"{not json",
                                       headers={"content-type": "application/json"}), 400)
    duplicate = {"productOrderItem": [{"id": "1", "action": "add"}] * 2}
    assert "productOrderItem.1.id" in error(client.post(f"{PO}/productOrder",
                                                        json=duplicate), 400)
    assert "limit" in error(client.post(f"{PO}/productOrder",
                                        json=bulk_order(addresses[:61])), 413)
    huge = {"productOrderItem": [{"id": "1", "action": "add"}], "description": "x" * 300_000}
    error(client.post(f"{PO}/productOrder", json=huge), 413)
    assert "limit" in error(client.get(f"{PO}/productOrder", params={"limit": -1}), 400)
    error(client.get(f"{PO}/productOrder/PO-999999"), 404)
    error(client.patch(f"{PO}/productOrder/PO-999999", json={"description": "x"}), 404)
    error(client.get("/tmf-api/nothing-here"), 404)


def test_free_text_and_nesting_are_capped(live) -> None:
    """Every string is capped (4,000 characters), an order's own attributes together
    (64 KiB) and each item (16 KiB), and nesting (32 levels): 413 or 400 naming the
    field, so that one order cannot take megabytes of memory and disk."""
    client, addresses = live
    order = b2c_order(addresses[100])
    assert "description" in error(client.post(f"{PO}/productOrder", json={
        **order, "description": "x" * 4001}), 413)
    assert "note.1.text" in error(client.post(f"{PO}/productOrder", json={
        **order, "note": [{"text": "fine"}, {"text": "y" * 5000}]}), 413)
    many = [{"id": str(n), "text": "z" * 3000} for n in range(30)]
    assert "64 KiB" in error(client.post(f"{PO}/productOrder", json={**order, "note": many}),
                             413)
    deep: dict = {"name": "deep", "value": 1}
    for _ in range(40):
        deep = {"name": "deep", "value": [deep]}
    order["productOrderItem"][0]["product"]["productCharacteristic"] = [deep]
    assert "nested" in error(client.post(f"{PO}/productOrder", json=order), 400)
    assert "description" in error(client.post(f"{PO}/cancelProductOrder", json={
        "productOrder": {"id": "PO-000001"}, "description": "x" * 4001}), 413)
    assert "number" in error(client.post(
        f"{PO}/productOrder", content=b'{"productOrderItem": [{"id": "1", "action": "add"}],'
                                      b' "priority": NaN}',
        headers={"content-type": "application/json"}), 400)


def test_only_json_bodies_are_accepted(live) -> None:
    """A body that is not JSON in UTF-8 gets 415 (text/plain, form data, UTF-16); JSON
    media types with a +json suffix are fine."""
    client, addresses = live
    body = json.dumps(b2c_order(addresses[101]))
    for content_type, raw in [("text/plain", body.encode()),
                              ("application/x-www-form-urlencoded", body.encode()),
                              ("application/json", body.encode("utf-16")),
                              ("application/json; charset=utf-16", body.encode("utf-16")),
                              (None, body.encode())]:
        headers = {"content-type": content_type} if content_type else {}
        response = client.post(f"{PO}/productOrder", content=raw, headers=headers)
        error(response, 415)
    merge = client.post(f"{PO}/productOrder", content=body.encode(),
                        headers={"content-type": "application/merge-patch+json"})
    assert merge.status_code == 201, merge.text


class _Listener(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Listener.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def test_hub_posts_tmf_events_to_a_loopback_callback(live) -> None:
    """A registered listener gets ProductOrderStateChangeEvents in the TMF envelope up to
    the terminal state; remote callbacks are refused; unregistering works."""
    client, addresses = live
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        callback = f"http://127.0.0.1:{server.server_address[1]}/listener"
        registered = client.post(f"{PO}/hub", json={
            "callback": callback, "query": "eventType=ProductOrderStateChangeEvent"})
        assert registered.status_code == 201
        listener = conforms(registered, "TMF622", "EventSubscription")
        assert "loopback" in error(client.post(f"{PO}/hub", json={
            "callback": "http://example.com/x"}), 400)
        order_id = client.post(f"{PO}/productOrder", json=b2c_order(addresses[80])).json()["id"]
        assert wait_until_terminal(client, order_id)["state"] == "completed"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
                e["event"]["productOrder"]["state"] == "completed" for e in _Listener.received
                if e["event"]["productOrder"]["id"] == order_id):
            time.sleep(0.05)
        mine = [e for e in _Listener.received if e["event"]["productOrder"]["id"] == order_id]
        assert [e["event"]["productOrder"]["state"] for e in mine][-1] == "completed"
        for envelope in mine:
            assert envelope["eventType"] == "ProductOrderStateChangeEvent"
            assert validate_body("TMF622", "ProductOrderStateChangeEvent", envelope) == []
        assert client.delete(f"{PO}/hub/{listener['id']}").status_code == 204
        error(client.delete(f"{PO}/hub/{listener['id']}"), 404)
    finally:
        server.shutdown()


def test_api_key_is_required_when_set(tmp_path: Path) -> None:
    """With an API key, a request without it gets 401 (TMF Error); with it, 200."""
    scenario = scenario_from_dict(live_scenario(), "live.yaml", REPO)
    service = LiveService(scenario, tmp_path / "key.sqlite", speed=3600)
    service.start()
    try:
        with TestClient(create_app(service, ApiSettings(api_key="s3cret"))) as client:
            error(client.get(f"{PO}/productOrder"), 401)
            error(client.get(f"{PO}/productOrder", headers={"X-API-Key": "wrong"}), 401)
            assert client.get(f"{PO}/productOrder",
                              headers={"X-API-Key": "s3cret"}).status_code == 200
            assert client.get(f"{PO}/productOrder",
                              headers={"Authorization": "Bearer s3cret"}).status_code == 200
            for path in ("/openapi.json", "/docs", "/redoc"):  # the API's map is private too
                error(client.get(path), 401)
                assert client.get(path, headers={"X-API-Key": "s3cret"}).status_code == 200
    finally:
        service.stop()
