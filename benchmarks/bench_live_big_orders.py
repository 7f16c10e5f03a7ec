"""Live mode: how long one-line orders wait while a 4,999-site order is validated,
decomposed and written (issue 10; the target is at most a second more than the longest
gap between two clock ticks, the order manager taking the big order in one simulated
instant).

In wall seconds, so it lives here and not in ``make test``: on a busy machine every tick
stretches and the figure with it. ``tests/test_live_big_orders.py`` asserts the
structure that keeps it small (items built off the clock thread, documents written a
bounded number of items per tick, other requests committed in between).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from workloads import each_round

from sim.live.api.app import ApiSettings, create_app
from sim.live.service import LiveService
from sim.scenario.load import scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
PO = "/tmf-api/productOrderingManagement/v4"
SITES = 4999
SENDERS = 3  # clients sending one-line orders all along
AFTER_S = 2.0  # they go on this long after the big order is acknowledged (its fulfilment)


def _item(n: int, address: str, offering: str) -> dict[str, Any]:
    return {"id": str(n), "action": "add", "productOffering": {"id": offering},
            "product": {"place": [{"id": address, "role": "installationAddress"}]}}


def _service(db: Path) -> tuple[LiveService, list[float]]:
    """The live service on the load scenario, and the wall times its ticks start at."""
    raw = yaml.safe_load((REPO / "benchmarks" / "live_load.yaml").read_text())
    raw["catalog"] = str(REPO / "scenarios" / "catalog.yaml")
    service = LiveService(scenario_from_dict(raw, "live_load.yaml", REPO), db)
    ticks: list[float] = []
    serve = service._serve

    def timed(tick: int) -> None:
        ticks.append(time.monotonic())
        serve(tick)

    service._serve = timed  # type: ignore[method-assign]  # the tick process calls it
    return service, ticks


def _send_small_orders(client: TestClient, addresses: Iterator[str], big_done: threading.Event,
                       latencies: list[float]) -> None:
    """One-line orders, one after another, until AFTER_S after the big one's 201."""
    deadline = None
    while deadline is None or time.monotonic() < deadline:
        if deadline is None and big_done.is_set():
            deadline = time.monotonic() + AFTER_S
        body = {"category": "b2c",
                "productOrderItem": [_item(1, next(addresses), "SuperFibre 200 Home")]}
        sent = time.monotonic()
        response = client.post(f"{PO}/productOrder", json=body)
        assert response.status_code == 201, response.text
        latencies.append(time.monotonic() - sent)
        time.sleep(0.02)


def _measure(db: Path) -> dict[str, float]:
    service, ticks = _service(db)
    latencies: list[float] = []
    service.start()
    try:
        with TestClient(create_app(service, ApiSettings(max_items=SITES + 1))) as big_client, \
                TestClient(create_app(service)) as client:
            addresses = [a.id for a in service.run.om.network.serviceable_addresses()
                         [:SITES + 1000]]
            big_done = threading.Event()
            small = iter(addresses[SITES:])
            senders = [threading.Thread(target=_send_small_orders,
                                        args=(client, small, big_done, latencies))
                       for _ in range(SENDERS)]
            for sender in senders:
                sender.start()
            try:
                body = {"category": "enterprise", "productOrderItem": [
                    _item(n + 1, a, "Enterprise Connect Site")
                    for n, a in enumerate(addresses[:SITES])]}
                sent = time.monotonic()
                big = big_client.post(f"{PO}/productOrder", json=body)
                big_s = time.monotonic() - sent
                assert big.status_code == 201, big.text[:300]
            finally:
                big_done.set()
                for sender in senders:
                    sender.join(60)
    finally:
        service.stop()
    assert len(latencies) >= 10
    return {"writes": len(latencies), "worst_write_s": max(latencies), "big_order_s": big_s,
            "longest_tick_gap_s": max(b - a for a, b in zip(ticks, ticks[1:], strict=False))}


def bench_live_big_order_other_writes(benchmark, figures):
    """One-line orders from three clients while a 4,999-site order goes in."""
    def measure() -> dict[str, float]:
        with tempfile.TemporaryDirectory() as tmp:
            return _measure(Path(tmp) / "live.sqlite")

    rounds = each_round(benchmark, measure)
    for name in rounds[0]:
        figures[f"live_big_order.{name}"] = [r[name] for r in rounds]
