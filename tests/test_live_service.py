"""The live service without HTTP: background arrivals, and a database kept to its
scenario."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from om.tmf_specs import validate_body
from sim.live import LiveError, LiveService
from sim.scenario import scenario_from_dict
from sim.store import Reader
from tests.conftest import REPO
from tests.livetools import live_scenario


def test_background_arrivals_show_up_as_tmf_orders(tmp_path: Path) -> None:
    """With --background-arrivals the scenario's own orders run too, and the API's read
    model holds them as TMF622 ProductOrders."""
    scenario = scenario_from_dict(live_scenario(), "live.yaml", REPO)
    service = LiveService(scenario, tmp_path / "bg.sqlite", speed=200_000,
                          background_arrivals=True)
    service.start()
    try:
        deadline = time.monotonic() + 10
        while len(service.orders) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)  # the writer commits a tick or two behind the clock
    finally:
        service.stop()
    reader = Reader(tmp_path / "bg.sqlite")
    total, bodies = reader.list("productOrder", [], 0, 1000)
    reader.close()
    assert total >= 20
    for body in bodies:
        assert validate_body("TMF622", "ProductOrder", json.loads(body)) == []


def test_a_database_serves_only_its_own_scenario(tmp_path: Path) -> None:
    """Resuming a database with another scenario is refused with a clear error (a replay
    against different data would diverge)."""
    db = tmp_path / "one.sqlite"
    LiveService(scenario_from_dict(live_scenario(), "live.yaml", REPO), db).stop()
    other = scenario_from_dict(live_scenario(lead_days=2.0), "other.yaml", REPO)
    with pytest.raises(LiveError, match="fresh --db"):
        LiveService(other, db)
