"""Escalation in live mode (issue 17): the rule ``notify`` is an event the hub delivers,
a ProductOrderJeopardyEvent carrying the order, to every listener that asked for it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from sim.live.api.app import create_app
from sim.scenario.load import scenario_from_dict
from tests.conftest import CATALOG, REPO
from tests.livetools import PO, b2c_order, live_scenario, started, wait_for


class _Listener(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def test_notify_reaches_the_hub_as_a_jeopardy_event(tmp_path: Path) -> None:
    """An SLA of about two simulated hours and visits booked days ahead: the order is in
    jeopardy within seconds at 3,600x, and the listener hears of it."""
    catalog = yaml.safe_load(CATALOG.read_text())
    catalog["product_offerings"]["SuperFibre 200 Home"]["sla_days"] = 0.1
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump(catalog))
    raw = live_scenario(lead_days=3, min_lead_days=2, catalog=str(tmp_path / "catalog.yaml"),
                        escalation={"actions": ["notify"]})
    scenario = scenario_from_dict(raw, "live.yaml", REPO)
    seen: list[dict[str, Any]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("L", (_Listener,), {"received": seen}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with started(tmp_path / "live.sqlite", scenario=scenario) as service, \
                TestClient(create_app(service)) as client:
            callback = f"http://127.0.0.1:{server.server_address[1]}/"
            assert client.post(f"{PO}/hub", json={
                "callback": callback, "query": "eventType=ProductOrderJeopardyEvent"}
                               ).status_code == 201
            address = service.run.om.network.addresses[0].id
            order = client.post(f"{PO}/productOrder", json=b2c_order(address)).json()
            wait_for(lambda: seen, 20, "a jeopardy event at the listener")
    finally:
        server.shutdown()
    event = seen[0]
    assert event["eventType"] == "ProductOrderJeopardyEvent"
    assert event["event"]["productOrder"]["id"] == order["id"]
    assert all(e["eventType"] == "ProductOrderJeopardyEvent" for e in seen)
