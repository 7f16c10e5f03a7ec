"""The live service survives any single bad request or departed client, and when a thread
it needs does die it stops taking writes and says so instead of answering as if healthy."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from sim.live import orders as tmf_orders
from sim.live.api.app import ApiSettings, create_app
from tests.livetools import PO, Server, b2c_order, live_scenario, started, wait_for, write_scenario


def _addresses(client: TestClient, n: int) -> list[str]:
    return [a["id"] for a in client.get("/omsim/addresses", params={"limit": n}).json()]


def test_a_client_that_gave_up_does_not_stop_the_writer(tmp_path: Path) -> None:
    """A request whose caller timed out is still applied and saved; its reply is skipped,
    and the writer goes on committing (it used to die on the cancelled reply)."""
    with started(tmp_path / "live.sqlite") as service, \
            TestClient(create_app(service, ApiSettings(reply_timeout_s=1e-6))) as impatient, \
            TestClient(create_app(service, ApiSettings(reply_timeout_s=5))) as patient:
        first, second = _addresses(patient, 2)
        assert impatient.post(f"{PO}/productOrder", json=b2c_order(first)).status_code == 503
        created = patient.post(f"{PO}/productOrder", json=b2c_order(second))
        assert created.status_code == 201, created.text
        assert patient.get(f"{PO}/productOrder/{created.json()['id']}").status_code == 200
        assert patient.get("/omsim/status").json()["healthy"] is True


def test_a_dead_thread_stops_writes_and_shows_on_status(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """When the writer thread cannot go on, writes get 503 naming the reason and
    /omsim/status says the service is unhealthy (reads still answer)."""
    with started(tmp_path / "live.sqlite") as service, \
            TestClient(create_app(service)) as client:
        address = _addresses(client, 1)[0]

        def broken_disk(ticks: object) -> None:
            raise OSError("disk I/O error")

        monkeypatch.setattr(service.store, "write", broken_disk)
        refused = client.post(f"{PO}/productOrder", json=b2c_order(address))
        assert refused.status_code == 503 and "disk I/O error" in refused.json()["message"]
        status = client.get("/omsim/status").json()
        assert status["healthy"] is False and "disk I/O error" in status["error"]
        again = client.post(f"{PO}/productOrder", json=b2c_order(address))
        assert again.status_code == 503 and "disk I/O error" in again.json()["message"]
        assert client.get(f"{PO}/productOrder").status_code == 200


def test_serve_exits_non_zero_when_the_service_fails(tmp_path: Path) -> None:
    """``omsim serve`` does not keep answering once a thread it needs died: it stops with
    one error line and a non-zero exit code (so a supervisor restarts it)."""
    scenario = write_scenario(tmp_path, live_scenario())
    prelude = ("import sim.live.store\n"
               "def _broken(self, ticks):\n"
               "    raise OSError('disk I/O error')\n"
               "sim.live.store.Store.write = _broken")
    with Server(scenario, tmp_path / "live.sqlite", 3600, prelude=prelude) as server:
        addresses = httpx.get(f"{server.url}/omsim/addresses", params={"limit": 1}).json()
        reply = httpx.post(f"{server.url}{PO}/productOrder",
                           json=b2c_order(addresses[0]["id"]), timeout=10)
        assert reply.status_code == 503
        code = wait_for(lambda: server.process.poll(), 15, "the server exits")
    assert code not in (0, None)
    errors = [line for line in server.log.read_text().splitlines() if "error" in line.lower()]
    assert errors and "disk I/O error" in errors[-1]
    assert "Traceback" not in server.log.read_text()


def test_an_item_id_the_order_manager_cannot_read_is_refused_at_the_door(
        tmp_path: Path) -> None:
    """``"²"`` passes str.isdigit() but not int(): a 400 naming the field, not an order that
    kills the clock after its 201 (and again on every restart)."""
    db = tmp_path / "live.sqlite"
    with started(db) as service, TestClient(create_app(service)) as client:
        first, second = _addresses(client, 2)
        body = b2c_order(first)
        body["productOrderItem"][0]["id"] = "²"
        refused = client.post(f"{PO}/productOrder", json=body)
        assert refused.status_code == 400 and "productOrderItem.0.id" in refused.text
        body = b2c_order(first)
        body["productOrderItem"][0]["product"]["productCharacteristic"] = [
            {"name": "discount_percent", "value": "lots"}]
        refused = client.post(f"{PO}/productOrder", json=body)
        assert refused.status_code == 400 and "discount_percent" in refused.text
        assert client.post(f"{PO}/productOrder", json=b2c_order(second)).status_code == 201


def test_a_command_that_raises_is_recorded_as_failed_and_the_service_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception while applying one request (a bug) answers that request with a 500,
    is logged as a failed command, and the simulation carries on; a restart replays the
    same failure and serves the database again."""
    real = tmf_orders.new_order

    def poisoned(om: object, body: dict, *prepared: object) -> object:
        if body.get("externalId") == "poison":
            raise ValueError("cannot read this order")
        return real(om, body, *prepared)  # type: ignore[arg-type]

    monkeypatch.setattr(tmf_orders, "new_order", poisoned)
    db = tmp_path / "live.sqlite"
    with started(db) as service, TestClient(create_app(service)) as client:
        first, second, third = _addresses(client, 3)
        failed = client.post(f"{PO}/productOrder",
                             json={**b2c_order(first), "externalId": "poison"})
        assert failed.status_code == 500 and "cannot read this order" in failed.text
        assert client.post(f"{PO}/productOrder", json=b2c_order(second)).status_code == 201
        status = client.get("/omsim/status").json()
        assert status["healthy"] is True and status["failedCommands"] == 1
    with started(db) as service, TestClient(create_app(service)) as client:
        assert client.post(f"{PO}/productOrder", json=b2c_order(third)).status_code == 201
        assert client.get("/omsim/status").json()["failedCommands"] == 1


def test_an_exception_in_one_orders_process_does_not_stop_the_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that raises inside one order's SimPy process is counted and the other orders
    go on being fulfilled."""
    with started(tmp_path / "live.sqlite", speed=20_000) as service, \
            TestClient(create_app(service)) as client:
        first, second = _addresses(client, 2)
        com = service.run.om.com
        real = com.validate

        def validate(order: object) -> list[str]:
            if getattr(order, "external_id", "") == "poison":
                raise KeyError("a bug in validation")
            return real(order)  # type: ignore[arg-type]

        monkeypatch.setattr(com, "validate", validate)
        assert client.post(f"{PO}/productOrder", json={**b2c_order(first),
                                                       "externalId": "poison"}
                           ).status_code == 201
        ok = client.post(f"{PO}/productOrder", json=b2c_order(second)).json()["id"]
        wait_for(lambda: client.get(f"{PO}/productOrder/{ok}").json()["state"] == "completed",
                 20, "the healthy order completes")
        status = client.get("/omsim/status").json()
        assert status["healthy"] is True and status["processErrors"] == 1
