"""SIGKILL at random moments under mixed load, five times in a row on one database. After
every restart: each acknowledged write (order, bulk order, cancel, amendment) is there,
retried POSTs did not duplicate anything, writes are accepted at once, no slot is held
twice, and the listener registered before the first kill is still notified."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.livetools import (
    PO,
    Server,
    b2c_order,
    bulk_order,
    live_scenario,
    wait_for,
    write_scenario,
)

KILLS = 5
SPEED = 3600.0
NETWORK = {"exchanges": 2, "olts_per_exchange": 2, "line_cards_per_olt": 4,
           "pon_ports_per_line_card": 8, "split_ratio": 32, "bngs": 2, "regions": 1,
           "unserviceable_addresses": 20, "ipv4_pool_prefix_length": 20}
RESOURCES = "/tmf-api/resourceInventoryManagement/v4/resource"


class Load:
    """Mixed traffic from a few client threads until the server dies; remembers every
    write that was acknowledged and every create that was sent (to retry it)."""

    def __init__(self, addresses: list[str], rng: random.Random) -> None:
        self.addresses = addresses
        self.rng = rng
        self.sent: dict[str, dict[str, Any]] = {}  # idempotency key -> body
        self.created: dict[str, str] = {}  # idempotency key -> order id (201)
        self.cancelled: dict[str, str] = {}  # cancel id -> order id (201)
        self.amended: dict[str, str] = {}  # order id -> description (200)
        self.lock = threading.Lock()
        self._tokens = iter(range(10**9))
        self._claimed: set[str] = set()

    def run(self, url: str, threads: int = 3) -> tuple[threading.Event, list[threading.Thread]]:
        stop = threading.Event()
        workers = [threading.Thread(target=self._client, args=(url, stop, self.rng.random()))
                   for _ in range(threads)]
        for worker in workers:
            worker.start()
        return stop, workers

    def create(self, client: httpx.Client, key: str) -> bool:
        """POST the body sent with ``key``; whether it had been created already."""
        response = client.post(f"{PO}/productOrder", json=self.sent[key],
                               headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.text
        with self.lock:
            self.created[key] = response.json()["id"]
        return response.headers.get("Idempotent-Replayed") == "true"

    def _client(self, url: str, stop: threading.Event, seed: float) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=5) as client:
            while not stop.is_set():
                try:
                    self._one(client, rng)
                except httpx.HTTPError:
                    return  # the server died mid-request: nothing acknowledged
                time.sleep(0.01)

    def _one(self, client: httpx.Client, rng: random.Random) -> None:
        roll = rng.random()
        with self.lock:
            done = list(self.created.values())
        if roll < 0.15 and done:
            order_id = rng.choice(done)
            response = client.post(f"{PO}/cancelProductOrder",
                                   json={"productOrder": {"id": order_id}})
            assert response.status_code == 201, response.text
            with self.lock:
                self.cancelled[response.json()["id"]] = order_id
            return
        with self.lock:  # each order is amended once at most: the last 200 is unambiguous
            fresh = [o for o in done if o not in self._claimed]
            order_id = rng.choice(fresh) if fresh else ""
            self._claimed.add(order_id)
        if roll < 0.30 and order_id:
            description = f"amended {rng.random()}"
            response = client.patch(f"{PO}/productOrder/{order_id}", json={
                "description": description, "productOrderItem": [{
                    "id": "1", "action": "add", "product": {"productCharacteristic": [
                        {"name": "downstream_mbps", "value": 1000}]}}]})
            assert response.status_code in (200, 409), response.text
            if response.status_code == 200:
                with self.lock:
                    self.amended[order_id] = description
            return
        key = f"crash-{next(self._tokens)}"
        sites = [self.addresses.pop() for _ in range(rng.randint(4, 8) if roll > 0.9 else 1)]
        body = bulk_order(sites) if len(sites) > 1 else b2c_order(sites[0])
        with self.lock:
            self.sent[key] = {**body, "externalId": key}
        self.create(client, key)


class _Notified(BaseHTTPRequestHandler):
    order_ids: set[str] = set()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        envelope = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        # Cancellation events name no product order at this level; they are heard too.
        order = envelope["event"].get("productOrder") or {}
        if order.get("id"):
            _Notified.order_ids.add(order["id"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Notified)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/events"
    server.shutdown()


def _all(client: httpx.Client, path: str, fields: str | None = None) -> list[dict]:
    out: list[dict] = []
    while True:
        params: dict[str, Any] = {"offset": len(out), "limit": 1000}
        if fields:
            params["fields"] = fields
        page = client.get(path, params=params)
        out += page.json()
        if len(out) >= int(page.headers["X-Total-Count"]):
            return out


def _char(resource: dict, name: str) -> object:
    return next(c["value"] for c in resource["resourceCharacteristic"] if c["name"] == name)


def test_five_kills_under_mixed_load_lose_nothing(tmp_path: Path, listener: str) -> None:
    began = time.monotonic()
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    scenario = write_scenario(tmp_path, live_scenario(lead_days=0.3, network=NETWORK))
    db = tmp_path / "live.sqlite"
    load: Load | None = None
    figures = []
    stop, workers = threading.Event(), []
    waits: list[tuple[float, float]] = []  # per restart: (first 201 after ready, T / speed)
    for kill in range(KILLS + 1):
        server = Server(scenario, db, SPEED)
        server.wait_ready()
        ready = time.monotonic()
        client = httpx.Client(base_url=server.url, timeout=10)
        try:
            if load is None:
                addresses = [a["id"] for a in client.get("/omsim/addresses",
                                                         params={"limit": 4000}).json()]
                load = Load(addresses[50:], rng)
                probes = iter(addresses[:50])
                assert client.post(f"{PO}/hub", json={"callback": listener}).status_code == 201
            # Writes are accepted as soon as the replay is done (checked after the loop),
            # and the listener registered before the kills still hears about them.
            replayed_to_s = client.get("/omsim/status").json()["simulatedSeconds"]
            probe = client.post(f"{PO}/productOrder", json=b2c_order(next(probes)))
            assert probe.status_code == 201, (seed, probe.text)
            first_write_s = time.monotonic() - ready
            if kill:
                waits.append((first_write_s, replayed_to_s / SPEED))
            probe_id = probe.json()["id"]
            wait_for(lambda: probe_id in _Notified.order_ids, 10,  # noqa: B023 - waited here
                     f"a notification after restart {kill} (seed {seed})")
            # Creates sent but never acknowledged are retried with the same key: those
            # committed before the kill come back as they are.
            unacknowledged = sorted(load.sent.keys() - load.created.keys())
            committed = sum(load.create(client, key) for key in unacknowledged)

            orders = {o["id"]: o for o in _all(client, f"{PO}/productOrder",
                                               "externalId,description")}
            assert set(load.created.values()) <= orders.keys(), seed
            keys = Counter(o.get("externalId") for o in orders.values() if o.get("externalId"))
            assert not keys or max(keys.values()) == 1, (seed, keys.most_common(3))
            assert {load.created[k] for k in keys} == {i for i in orders
                                                       if orders[i].get("externalId")}
            cancels = {c["id"] for c in _all(client, f"{PO}/cancelProductOrder", "state")}
            assert set(load.cancelled) <= cancels, seed
            for order_id, description in load.amended.items():
                assert orders[order_id]["description"] == description, (seed, order_id)
            resources = _all(client, RESOURCES)
            slots = Counter((_char(r, "pool"), _char(r, "slot")) for r in resources)
            assert not slots or max(slots.values()) == 1, (seed, slots.most_common(1))
            # (The replay itself checked every slot held against the database.)
            status = client.get("/omsim/status").json()
            assert status["healthy"] is True, status
            figures.append((kill, len(load.created), len(load.cancelled), len(load.amended),
                            len(unacknowledged), committed, status["replaySeconds"],
                            first_write_s))
            if kill == KILLS:
                break
            stop, workers = load.run(server.url)
            time.sleep(rng.uniform(0.4, 1.4))
        finally:
            client.close()
            server.kill() if kill < KILLS else server.stop()
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
    for kill, orders_n, cancels_n, amended_n, retried, committed, replay_s, first_s in figures:
        print(f"restart {kill}: {orders_n} orders, {cancels_n} cancels, {amended_n} "
              f"amendments acknowledged and found; {retried} unacknowledged creates retried "
              f"({committed} had been committed); replay {replay_s:.2f} s, first 201 "
              f"{first_s:.3f} s after ready")
    assert load is not None and len(load.created) > 50, len(load.created if load else ())
    # A clock that, once replayed to simulated time T, slept T / speed wall seconds
    # before moving (SimPy's sync(); sim.live.clock) held each first write that long.
    # Measured against that, not against a wall-clock second a busy machine can exceed
    # (1.04 s was seen at load 9): the five restarts together wait less than half of it.
    first, held = sum(w for w, _ in waits), sum(h for _, h in waits)
    assert first < held / 2, (seed, waits)
    print(f"{time.monotonic() - began:.1f} s in all")
