"""A bulk order at the item limit does not hold up everyone else's writes for longer than
the order manager itself takes over it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from sim.live.api.app import ApiSettings, create_app
from sim.live.service import LiveService
from sim.scenario.load import scenario_from_dict
from tests.conftest import REPO
from tests.livetools import PO, b2c_order, bulk_order, started


def test_a_4999_item_order_does_not_stall_other_writes(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """While a 4,999-site order is validated, decomposed and written, one-line orders
    sent all along by three clients wait at most a second longer than the longest gap
    between two clock ticks (the order manager decomposing the order in one simulated
    instant). They used to wait seconds more: the clock thread built and encoded every
    document of the order at once, and the writer committed them row by row, fighting
    the clock thread for the GIL."""
    raw = yaml.safe_load((REPO / "benchmarks" / "live_load.yaml").read_text())
    raw["catalog"] = str(REPO / "scenarios" / "catalog.yaml")
    scenario = scenario_from_dict(raw, "live_load.yaml", REPO)
    ticks: list[float] = []
    serve = LiveService._serve

    def timed(self: LiveService, tick: int) -> None:
        ticks.append(time.monotonic())
        serve(self, tick)

    monkeypatch.setattr(LiveService, "_serve", timed)
    with started(tmp_path / "live.sqlite", scenario=scenario) as service, \
            TestClient(create_app(service, ApiSettings(max_items=5000))) as big_client, \
            TestClient(create_app(service)) as client:
        addresses = [a.id for a in service.run.om.network.serviceable_addresses()[:5600]]
        small = iter(addresses[5000:])
        latencies: list[float] = []
        big_done = threading.Event()

        def small_orders() -> None:
            # Until two seconds after the big order was acknowledged: its fulfilment
            # starts then, with thousands of items moving at once.
            deadline = None
            while deadline is None or time.monotonic() < deadline:
                if deadline is None and big_done.is_set():
                    deadline = time.monotonic() + 2.0
                sent = time.monotonic()
                response = client.post(f"{PO}/productOrder", json=b2c_order(next(small)))
                assert response.status_code == 201, response.text
                latencies.append(time.monotonic() - sent)
                time.sleep(0.02)

        senders = [threading.Thread(target=small_orders) for _ in range(3)]
        for sender in senders:
            sender.start()
        try:
            big = big_client.post(f"{PO}/productOrder", json=bulk_order(addresses[:4999]))
            assert big.status_code == 201, big.text[:300]
        finally:
            big_done.set()
            for sender in senders:
                sender.join(60)
    longest_gap = max(b - a for a, b in zip(ticks, ticks[1:], strict=False))
    print(f"{len(latencies)} one-line orders during a 4,999-site one: worst "
          f"{max(latencies):.2f} s, longest tick gap {longest_gap:.2f} s")
    assert len(latencies) >= 10
    assert max(latencies) < longest_gap + 1.0, (
        f"worst of {len(latencies)} writes {max(latencies):.2f} s, longest tick gap "
        f"{longest_gap:.2f} s")
