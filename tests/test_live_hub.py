"""Notifications: a bad callback is refused at registration, and a listener that fails or
stalls costs only itself (bounded queue, oldest dropped and counted)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sim.live.api.app import create_app
from sim.live.hub import Hub, Listener
from tests.livetools import PO, started, wait_for


class _Recorder(BaseHTTPRequestHandler):
    """A listener that records what it gets; ``stall`` holds every request until set."""

    received: list[dict[str, Any]]
    stall: threading.Event | None = None

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.stall is not None:
            self.stall.wait(10)
        self.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def listeners() -> Iterator[tuple[str, list, str, threading.Event]]:
    """(a good callback and what it received, a stalled callback and its release)."""
    release = threading.Event()
    good_seen: list[dict[str, Any]] = []
    good = ThreadingHTTPServer(("127.0.0.1", 0), type("Good", (_Recorder,),
                                                      {"received": good_seen}))
    slow = ThreadingHTTPServer(("127.0.0.1", 0), type("Slow", (_Recorder,), {
        "received": [], "stall": release}))
    for server in (good, slow):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield (f"http://127.0.0.1:{good.server_address[1]}/", good_seen,
               f"http://127.0.0.1:{slow.server_address[1]}/", release)
    finally:
        release.set()
        good.shutdown()
        slow.shutdown()


def test_a_failing_or_stalled_listener_costs_only_itself(listeners) -> None:
    """One listener whose URL makes the HTTP client raise (persisted before callbacks
    were checked) and one that never answers: the good listener still gets every event,
    the stalled one keeps at most its queue's worth and counts what it dropped."""
    good_url, good_seen, slow_url, release = listeners
    hub = Hub(timeout_s=10, queue_events=5)
    hub.add(Listener("HUB-1", "http://127.0.0.1:1/" + "x" * 70_000, ""))
    hub.add(Listener("HUB-2", slow_url, ""))
    hub.add(Listener("HUB-3", good_url, ""))
    try:
        for n in range(40):  # at the pace the good listener takes them
            hub.publish("ProductOrderStateChangeEvent", "productOrder", {"id": f"PO-{n}"})
            wait_for(lambda: len(good_seen) == n + 1, 5,  # noqa: B023 - waited here
                     f"the good listener gets event {n}")
        stats = {x["id"]: x for x in hub.stats()["byListener"]}
        wait_for(lambda: {x["id"]: x for x in hub.stats()["byListener"]}["HUB-1"]["failed"]
                 == 40, 10, "every delivery to the broken URL is counted as failed")
        assert stats["HUB-2"]["queued"] <= 5 and stats["HUB-2"]["dropped"] >= 34
        assert hub.stats()["dropped"] == stats["HUB-2"]["dropped"]
    finally:
        release.set()
        hub.close()


def test_callbacks_are_checked_at_registration(tmp_path: Path) -> None:
    """Length, scheme and host are checked before a listener is stored; the counts per
    listener show on /omsim/status."""
    with started(tmp_path / "live.sqlite") as service, \
            TestClient(create_app(service)) as client:
        too_long = client.post(f"{PO}/hub", json={"callback": "http://127.0.0.1/" + "x" * 70_000})
        assert too_long.status_code == 413 and "callback" in too_long.text
        for callback, field in [("http://127.0.0.1/" + "x" * 3000, "2,048"),
                                ("ftp://127.0.0.1/listener", "http"),
                                ("http:///listener", "host"),
                                ("http://127.0.0.1:99999/", "port"),
                                ("http://[::1/", "url")]:
            refused = client.post(f"{PO}/hub", json={"callback": callback})
            assert refused.status_code == 400, (callback, refused.text)
            assert "callback" in refused.text and field in refused.text.lower(), refused.text
        assert client.post(f"{PO}/hub", json={"callback": "http://127.0.0.1:9/x"}
                           ).status_code == 201
        hub = client.get("/omsim/status").json()["hub"]
        assert hub["listeners"] == 1 and {"dropped", "failed", "delivered"} <= hub.keys()
        assert hub["byListener"][0]["id"].startswith("HUB-")
