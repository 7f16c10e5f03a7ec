"""What the live service keeps: a finished order leaves memory and is served from the
database, and each document is stored once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from sim.live.api.app import create_app
from tests.livetools import PO, b2c_order, started, wait_for


def test_a_finished_order_leaves_memory_and_is_still_served(tmp_path: Path) -> None:
    """Once its final state is on disk the order is dropped from memory; GET, PATCH,
    cancel and DELETE still answer as for any finished order."""
    with started(tmp_path / "live.sqlite", speed=20_000) as service, \
            TestClient(create_app(service)) as client:
        address = client.get("/omsim/addresses", params={"limit": 1}).json()[0]["id"]
        order = client.post(f"{PO}/productOrder", json={**b2c_order(address),
                                                        "description": "ring twice"}).json()
        wait_for(lambda: order["id"] not in service.orders, 20, "the order leaves memory")
        done = client.get(f"{PO}/productOrder/{order['id']}").json()
        assert done["state"] == "completed" and done["description"] == "ring twice"
        assert client.get("/omsim/status").json()["ordersInMemory"] == 0
        late = client.patch(f"{PO}/productOrder/{order['id']}", json={"description": "x"})
        assert late.status_code == 409 and "completed" in late.text
        cancel = client.post(f"{PO}/cancelProductOrder", json={"productOrder": {
            "id": order["id"]}})
        assert cancel.status_code == 201 and cancel.json()["state"] == "terminatedWithError"
        assert client.delete(f"{PO}/productOrder/{order['id']}").status_code == 204
        assert client.get(f"{PO}/productOrder/{order['id']}").status_code == 404
        assert client.delete(f"{PO}/productOrder/{order['id']}").status_code == 404


def test_free_text_is_stored_once(tmp_path: Path) -> None:
    """A description is in the order's document and nowhere else in the database (the
    command log keeps only what the order manager acts on)."""
    db = tmp_path / "live.sqlite"
    marker = "MARKER-" + "q" * 3000
    with started(db) as service, TestClient(create_app(service)) as client:
        address = client.get("/omsim/addresses", params={"limit": 1}).json()[0]["id"]
        order_id = client.post(f"{PO}/productOrder", json={
            **b2c_order(address), "description": marker}).json()["id"]
        patched = client.patch(f"{PO}/productOrder/{order_id}", json={"note": [{
            "text": "N" + marker}]})
        assert patched.status_code == 200
    with sqlite3.connect(db) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master "
                                             "WHERE type = 'table'")]
        found = {t: conn.execute(f"SELECT count(*) FROM {t} WHERE "  # noqa: S608 - our names
                                 f"CAST(({_all_columns(conn, t)}) AS TEXT) LIKE ?",
                                 (f"%{marker}%",)).fetchone()[0] for t in tables}
    assert sum(found.values()) == 1, found
    with started(db) as service, TestClient(create_app(service)) as client:
        restored = client.get(f"{PO}/productOrder/{order_id}").json()
        assert restored["description"] == marker and restored["note"][0]["text"] == "N" + marker


def _all_columns(conn: sqlite3.Connection, table: str) -> str:
    columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
    return " || ".join(f"coalesce({c}, '')" for c in columns)
