"""Live mode survives SIGKILL: acknowledged orders are durable and in-flight ones resume."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from om.orders import TERMINAL
from sim.live.requests import Request
from tests.livetools import (
    PO,
    Server,
    b2c_order,
    bulk_order,
    live_scenario,
    started,
    wait_for,
    wait_terminal,
    write_scenario,
)


def _post_until_stopped(url: str, addresses: list[str], acknowledged: list[str],
                        stop: threading.Event) -> None:
    # Each order takes fresh addresses (popped under the GIL), so no PON port runs out
    # of ONT ids; every tenth order is a bulk order of 8 sites.
    with httpx.Client(base_url=url, timeout=5) as client:
        while not stop.is_set():
            try:
                sites = [addresses.pop() for _ in range(8 if len(addresses) % 10 == 0 else 1)]
            except IndexError:
                return
            body = bulk_order(sites) if len(sites) > 1 else b2c_order(sites[0])
            try:
                response = client.post(f"{PO}/productOrder", json=body)
                if response.status_code == 201:
                    acknowledged.append(response.json()["id"])
                    if len(acknowledged) % 7 == 0:  # cancellations go through the log too
                        client.post(f"{PO}/cancelProductOrder",
                                    json={"productOrder": {"id": acknowledged[-1]}})
            except httpx.HTTPError:
                return  # the server died mid-request: that order was never acknowledged
            time.sleep(0.01)


def test_sigkill_under_load_loses_nothing_and_orders_finish(tmp_path: Path) -> None:
    """After SIGKILL and a restart on the same database, every order acknowledged with 201
    is there, in-flight orders reach a terminal state, and no slot is held twice or
    leaked."""
    scenario = write_scenario(tmp_path, live_scenario(lead_days=0.3))
    db = tmp_path / "live.sqlite"
    first = Server(scenario, db, speed=3600)
    first.wait_ready()
    addresses = [a["id"] for a in httpx.get(f"{first.url}/omsim/addresses",
                                            params={"limit": 400}).json()]
    acknowledged: list[str] = []
    stop = threading.Event()
    posters = [threading.Thread(target=_post_until_stopped,
                                args=(first.url, addresses, acknowledged, stop))
               for _ in range(3)]
    for t in posters:
        t.start()
    wait_for(lambda: len(acknowledged) >= 20, 30, "20 orders acknowledged")
    first.kill()  # under load: requests are in flight
    stop.set()
    for t in posters:
        t.join(timeout=10)
    assert len(acknowledged) >= 20

    # Durable before the 201: every acknowledged order is on disk, many still in flight.
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute(
            "SELECT id, state FROM document WHERE collection = 'productOrder'"))
    assert set(acknowledged) <= stored.keys()
    in_flight = [i for i in acknowledged if stored[i] not in TERMINAL]
    assert in_flight, "nothing was in flight at the kill: the test proves nothing"

    with Server(scenario, db, speed=3600) as second, httpx.Client(base_url=second.url,
                                                                  timeout=10) as client:
        orders = wait_terminal(client, timeout_s=30)
        by_id = {o["id"]: o["state"] for o in orders}
        assert set(acknowledged) <= by_id.keys()
        assert all(state in TERMINAL for state in by_id.values()), Counter(by_id.values())
        assert any(by_id[i] == "completed" for i in in_flight)
        assert "cancelled" in by_id.values()
        resources = _all(client, "/tmf-api/resourceInventoryManagement/v4/resource")
        status = client.get("/omsim/status").json()

    slots = Counter((_char(r, "pool"), _char(r, "slot")) for r in resources)
    assert max(slots.values()) == 1, "a slot is held twice"
    assert status["resourcesHeld"] == len(resources)
    # Nothing leaked: every slot still held belongs to an order that completed.
    owners = {_char(r, "correlationId").partition("/")[0] for r in resources}
    assert {by_id[o] for o in owners} <= {"completed", "partial"}


def _all(client: httpx.Client, path: str) -> list[dict]:
    out: list[dict] = []
    while True:
        page = client.get(path, params={"offset": len(out), "limit": 1000})
        out += page.json()
        if len(out) >= int(page.headers["X-Total-Count"]):
            return out


def _char(resource: dict, name: str) -> object:
    return next(c["value"] for c in resource["resourceCharacteristic"] if c["name"] == name)


def test_writes_are_accepted_as_soon_as_the_replay_is_done(tmp_path: Path) -> None:
    """After a restart the clock carries on from the replayed simulated time: the first
    write is acknowledged right away (it used to wait as long as the first run had
    lasted, the clock frozen meanwhile)."""
    db = tmp_path / "live.sqlite"
    with started(db, speed=3600) as service:
        wait_for(lambda: service.now_s >= 2 * 3600, 10, "two simulated hours")
        address = service.run.om.network.serviceable_addresses()[0].id
        # The last commit is what a restart replays up to.
        assert service.submit(Request("create", "", b2c_order(address))).result(10)[0] == 201
    with started(db, speed=3600) as service:
        resumed_at_s = service.now_s
        sent = time.monotonic()
        address = service.run.om.network.serviceable_addresses()[1].id
        assert service.submit(Request("create", "", b2c_order(address))).result(10)[0] == 201
        assert time.monotonic() - sent < 0.75
        assert resumed_at_s >= 2 * 3600
        wait_for(lambda: service.now_s > resumed_at_s + 100, 1, "the clock moves on")
