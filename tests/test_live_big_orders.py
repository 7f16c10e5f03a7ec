"""A bulk order at the item limit does not hold up everyone else's writes: the clock
thread neither builds its items nor encodes its documents, and writes those documents a
bounded number of items per tick, so that a request arriving meanwhile is committed with
the very next tick instead of behind the whole order.

Asserted on what each commit holds, not on wall time (a busy machine stretches every
tick alike); how long the other writes wait in seconds is measured by
``benchmarks/bench_live_big_orders.py``.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from om.orders import TERMINAL
from sim.live import orders as tmf_orders
from sim.live.api import gateway
from sim.live.api.app import ApiSettings, create_app
from sim.live.read_model import ITEMS_PER_TICK
from sim.live.requests import Kind, Request
from sim.live.service import LiveService
from sim.live.store import Store, Tick
from sim.scenario.load import scenario_from_dict
from tests.conftest import REPO
from tests.livetools import PO, b2c_order, bulk_order, started, wait_for

SITES = 4999
SMALL_ORDERS = 8  # one-line orders queued while the big one's documents are pending
EVERY = 3  # ticks between two of them
ORDER_DOCUMENTS = ("productOrder", "serviceOrder")  # the rest are an item's own


def _live_load() -> Any:
    raw = yaml.safe_load((REPO / "benchmarks" / "live_load.yaml").read_text())
    raw["catalog"] = str(REPO / "scenarios" / "catalog.yaml")
    return scenario_from_dict(raw, "live_load.yaml", REPO)


def test_a_4999_item_order_is_built_off_the_clock_and_written_over_many_ticks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 4,999 items are built by the API's worker thread, not the clock thread; the
    clock hands the writer their documents unencoded, at most ITEMS_PER_TICK items' a
    tick, over at least 4,999 / ITEMS_PER_TICK ticks; and one-line orders queued while
    they are pending are each committed in the tick that took them, between the big
    order's own commits."""
    commits: list[Tick] = []  # every tick, in commit order
    write = Store.write

    def recording_write(self: Store, ticks: list[Tick]) -> None:
        write(self, ticks)
        commits.extend(ticks)

    prepared_on: dict[int, str] = {}  # items in the order -> thread that built them
    prepare = gateway.prepare

    def recording_prepare(body: dict[str, Any]) -> tmf_orders.PreparedOrder:
        prepared_on[len(body["productOrderItem"])] = threading.current_thread().name
        return prepare(body)

    unprepared: list[int] = []  # orders whose items the clock thread had to build
    big_in = threading.Event()
    new_order = tmf_orders.new_order

    def recording_new_order(om: Any, body: dict[str, Any],
                            prepared: tmf_orders.PreparedOrder | None = None) -> Any:
        if prepared is None:
            unprepared.append(len(body["productOrderItem"]))
        order = new_order(om, body, prepared)
        if len(order.items) == SITES:
            big_in.set()
        return order

    # One-line orders, queued by the clock thread itself at chosen ticks: when they
    # arrive cannot depend on how busy the machine is.
    queued: dict[int, Request] = {}  # tick -> the one-line order it took
    addresses: list[str] = []
    serve = LiveService._serve

    def serve_queueing_small_orders(self: LiveService, tick: int) -> None:
        if big_in.is_set() and len(queued) < SMALL_ORDERS and tick % EVERY == 0 \
                and self.read_model.backlog > 2 * ITEMS_PER_TICK:
            body = b2c_order(addresses[SITES + len(queued)])
            queued[tick] = Request(Kind.CREATE, "", body, prepared=prepare(body))
            self._inbox.put(queued[tick])
        serve(self, tick)

    def ticks_with(order_id: str) -> list[int]:
        """The committed ticks that wrote documents of the order's items."""
        return [t.tick for t in list(commits)
                if any(d.order_id == order_id and d.collection not in ORDER_DOCUMENTS
                       for d in t.documents)]

    least_ticks = math.ceil(SITES / ITEMS_PER_TICK)
    monkeypatch.setattr(Store, "write", recording_write)
    monkeypatch.setattr(gateway, "prepare", recording_prepare)
    monkeypatch.setattr(tmf_orders, "new_order", recording_new_order)
    monkeypatch.setattr(LiveService, "_serve", serve_queueing_small_orders)
    with started(tmp_path / "live.sqlite", speed=600, scenario=_live_load()) as service, \
            TestClient(create_app(service, ApiSettings(max_items=5000))) as client:
        addresses += [a.id for a in service.run.om.network.serviceable_addresses()
                      [:SITES + SMALL_ORDERS]]
        response = client.post(f"{PO}/productOrder", json=bulk_order(addresses[:SITES]))
        assert response.status_code == 201, response.text[:300]
        big_id = response.json()["id"]
        # Until its items' documents went out over as many ticks as they need at the
        # most per tick (or, if the clock wrote them faster, until it wrote them all).
        wait_for(lambda: len(ticks_with(big_id)) >= least_ticks
                 or (ticks_with(big_id) and service.read_model.backlog == 0), 120,
                 f"the big order's documents written over {least_ticks} ticks")
        wait_for(lambda: all(r.reply.done() for r in list(queued.values())), 30,
                 "the one-line orders answered")

    assert prepared_on[SITES] != "omsim-clock" and not unprepared
    assert len(queued) == SMALL_ORDERS, (
        f"the big order's documents were never pending {2 * ITEMS_PER_TICK} items deep "
        f"for {EVERY * SMALL_ORDERS} ticks: written all at once?")
    big = ticks_with(big_id)
    assert len(big) >= least_ticks, (len(big), ITEMS_PER_TICK)
    ended = {state.value for state in TERMINAL}
    for tick in commits:
        mine = [d for d in tick.documents if d.order_id == big_id]
        assert all(isinstance(d.body, dict) for d in mine), "encoded on the clock thread"
        if not any(d.id == big_id and d.state in ended for d in tick.documents):
            # (the tick that records its end writes whatever is pending of it)
            assert sum(d.collection == "product" for d in mine) <= ITEMS_PER_TICK, tick.tick
    by_tick = {t.tick: t for t in commits}
    for tick, request in queued.items():
        assert request.reply.result()[0] == 201
        created = [c for c in by_tick[tick].commands if c[0] == Kind.CREATE]
        assert len(created) == 1, f"tick {tick} committed {created}"
        # Committed with the big order's documents still to come, not behind them.
        assert min(big) <= tick < max(big), (tick, min(big), max(big))
