"""A client that retries a POST with the same ``Idempotency-Key`` gets the same order, also
after a restart; the same key with another body is a conflict."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from sim.live.api.app import create_app
from tests.livetools import PO, b2c_order, started


def test_a_retried_post_returns_the_same_order_even_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "live.sqlite"
    with started(db) as service, TestClient(create_app(service)) as client:
        first, second = [a["id"] for a in client.get("/omsim/addresses",
                                                     params={"limit": 2}).json()]
        body = b2c_order(first)
        key = {"Idempotency-Key": "crm-7f3a-0001"}
        created = client.post(f"{PO}/productOrder", json=body, headers=key)
        assert created.status_code == 201
        order_id = created.json()["id"]
        again = client.post(f"{PO}/productOrder", json=body, headers=key)
        assert again.status_code == 201 and again.json()["id"] == order_id
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["Location"] == created.headers["Location"]
        other = client.post(f"{PO}/productOrder", json=b2c_order(second), headers=key)
        assert other.status_code == 409 and order_id in other.json()["message"]

        cancel = {"productOrder": {"id": order_id}, "cancellationReason": "moved"}
        ckey = {"Idempotency-Key": "crm-7f3a-0001-cancel"}
        cancelled = client.post(f"{PO}/cancelProductOrder", json=cancel, headers=ckey)
        assert cancelled.status_code == 201
        assert client.post(f"{PO}/cancelProductOrder", json=cancel, headers=ckey
                           ).json()["id"] == cancelled.json()["id"]
        for bad in ("", "k" * 256, "clé"):
            refused = client.post(f"{PO}/productOrder", json=body,
                                  headers={"Idempotency-Key": bad.encode()})
            assert refused.status_code == 400 and "Idempotency-Key" in refused.text

    with started(db) as service, TestClient(create_app(service)) as client:
        after = client.post(f"{PO}/productOrder", json=body, headers=key)
        assert after.status_code == 201 and after.json()["id"] == order_id
        listed = client.get(f"{PO}/productOrder")
        assert listed.headers["X-Total-Count"] == "1"
        assert client.post(f"{PO}/cancelProductOrder", json=cancel, headers=ckey
                           ).json()["id"] == cancelled.json()["id"]
