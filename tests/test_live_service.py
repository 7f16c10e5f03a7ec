"""The live service without HTTP: background arrivals, and a database kept to its
scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from om.tmf_specs import validate_body
from sim.live.requests import LiveError
from sim.live.service import LiveService
from sim.live.store import Reader
from sim.scenario.load import scenario_from_dict
from tests.conftest import REPO
from tests.livetools import live_scenario, wait_for


def test_background_arrivals_show_up_as_tmf_orders(tmp_path: Path) -> None:
    """With --background-arrivals the scenario's own orders run too, and the API's read
    model holds them as TMF622 ProductOrders."""
    scenario = scenario_from_dict(live_scenario(), "live.yaml", REPO)
    service = LiveService(scenario, tmp_path / "bg.sqlite", speed=200_000,
                          background_arrivals=True)
    service.start()
    reader = Reader(tmp_path / "bg.sqlite")
    try:
        wait_for(lambda: reader.list("productOrder", [], 0, 1)[0] >= 20, 10,
                 "20 background orders on disk")
    finally:
        service.stop()
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
    with pytest.raises(LiveError, match="fresh database"):
        LiveService(other, db)
