"""Faults on cue (``/omsim/faults``): a fault of the scenario vocabulary posted to a live
service acts on the network now or inside its window, ends when it is deleted, is
listed with the scenario's own, survives a restart through the command log, and a bad
body is a TMF Error naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sim.live.api.app import create_app
from sim.live.service import LiveService
from sim.units import DAY_S
from tests.livetools import PO, b2c_order, scenario_object, started, wait_for

FAULTS = "/omsim/faults"
OUTAGE = {"kind": "element_outage", "element": "bng:BNG01"}


def _address_on(service: LiveService, bng: str) -> str:
    network = service.run.om.network
    return next(a.id for a in network.serviceable_addresses()
                if network.homing_bng(network.ports[a.port].olt) == bng)


def _order_ends(client: TestClient, address: str) -> dict[str, Any]:
    """POST an order at ``address`` and wait for its end; the final document."""
    created = client.post(f"{PO}/productOrder", json=b2c_order(address))
    assert created.status_code == 201, created.text
    url = f"{PO}/productOrder/{created.json()['id']}"
    return wait_for(lambda: (doc := client.get(url).json())["state"] in
                    ("completed", "failed", "partial") and doc, 30, "the order's end")


def _unreachable(service: LiveService) -> int:
    return service.figures.fallout_by(0).get("element_unreachable", 0)


def test_a_posted_outage_fails_orders_until_it_is_deleted(tmp_path: Path) -> None:
    """The fault acts at once (orders through BNG01 fall out unreachable) and DELETE
    undoes it (the next order completes); it cannot be ended twice."""
    with started(tmp_path / "f.sqlite") as service, TestClient(create_app(service)) as client:
        address = _address_on(service, "BNG01")
        posted = client.post(FAULTS, json=OUTAGE)
        assert posted.status_code == 201, posted.text
        fault = posted.json()
        assert fault["state"] == "active" and fault["until_days"] is None
        assert posted.headers["Location"] == f"{FAULTS}/{fault['id']}"
        assert _order_ends(client, address)["state"] == "failed"
        assert _unreachable(service) >= 1
        ended = client.delete(f"{FAULTS}/{fault['id']}")
        assert ended.status_code == 200 and ended.json()["state"] == "past", ended.text
        before = _unreachable(service)
        assert _order_ends(client, address)["state"] == "completed"
        assert _unreachable(service) == before
        again = client.delete(f"{FAULTS}/{fault['id']}")
        assert again.status_code == 409 and "past already" in again.json()["message"]


def test_a_scheduled_window_opens_and_closes_on_the_simulated_clock(tmp_path: Path) -> None:
    """from_days in the future: scheduled, then active, then past at its end, on its
    own; the list shows the scenario's faults beside it."""
    raw = {"faults": [{"kind": "pool_limit", "pool": "ipv4_address", "limit": 0,
                       "from_days": 5}]}
    with started(tmp_path / "w.sqlite", scenario=scenario_object(**raw)) as service, \
            TestClient(create_app(service)) as client:
        # 0.15 simulated days ahead, 3.6 s at 3,600x: the POST is applied well before it,
        # even on a busy machine (1.2 s ahead was sometimes already past).
        start = service.now_s / DAY_S + 0.15
        posted = client.post(FAULTS, json={**OUTAGE, "from_days": start,
                                           "duration_days": 0.05})
        assert posted.status_code == 201 and posted.json()["state"] == "scheduled"
        fault_id = posted.json()["id"]
        url = f"{FAULTS}/{fault_id}"
        wait_for(lambda: client.get(url).json()["state"] == "active", 30, "active")
        wait_for(lambda: client.get(url).json()["state"] == "past", 30, "past")
        listed = {f["id"]: f for f in client.get(FAULTS).json()}
        assert listed[fault_id]["ended_days"] is None  # it ended on its own
        assert listed["scenario-0"]["source"] == "scenario"
        assert listed["scenario-0"]["state"] == "scheduled"
        refused = client.delete(f"{FAULTS}/scenario-0")
        assert refused.status_code == 409 and "part of the scenario" in refused.text


def test_posted_faults_survive_a_restart(tmp_path: Path) -> None:
    """Each POST and DELETE is in the command log: after a restart the outage still
    acts (an order through BNG01 falls out), the ended one does not, the ids stay."""
    db = tmp_path / "r.sqlite"
    with started(db) as service, TestClient(create_app(service)) as client:
        outage = client.post(FAULTS, json=OUTAGE).json()["id"]
        cut = client.post(FAULTS, json={"kind": "link_cut", "link": ["EX02", "BNG02"]})
        client.delete(f"{FAULTS}/{cut.json()['id']}")
    with started(db) as service, TestClient(create_app(service)) as client:
        states = {f["id"]: f["state"] for f in client.get(FAULTS).json()}
        assert states == {outage: "active", cut.json()["id"]: "past"}
        assert _order_ends(client, _address_on(service, "BNG01"))["state"] == "failed"
        assert _order_ends(client, _address_on(service, "BNG02"))["state"] == "completed"
        assert client.post(FAULTS, json=OUTAGE).json()["id"] == "FLT-000003"


@pytest.mark.parametrize(("body", "field"), [
    ({"element": "bng:BNG01"}, "kind"),
    ({"kind": "meteor_strike"}, "kind"),
    ({"kind": "element_outage"}, "element"),
    ({"kind": "element_outage", "element": "bng:NOPE"}, "element"),
    ({"kind": "lost_answers", "element_kind": "olt", "rate": 1.5}, "rate"),
    ({"kind": "lost_answers", "element_kind": "router", "rate": 0.5}, "element_kind"),
    ({"kind": "link_cut", "link": ["EX01", "BNG02"]}, "link"),
    ({"kind": "workforce_absence", "region": "R99", "technicians": 2}, "region"),
    ({"kind": "pool_limit", "pool": "vlan", "limit": 0}, "pool"),
    ({**OUTAGE, "until_days": 9, "duration_days": 1}, "duration_days"),
    ({**OUTAGE, "from_days": "tomorrow"}, "from_days"),
    ({**OUTAGE, "from_days": 0}, "from_days"),  # in the past once the clock has moved
    ({**OUTAGE, "color": "red"}, "color"),
])
def test_bad_fault_bodies_get_an_error_naming_the_field(live_client: TestClient,
                                                        body: dict[str, Any],
                                                        field: str) -> None:
    answer = live_client.post(FAULTS, json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["@type"] == "Error" and error["code"] == "400"
    assert error["message"].startswith(f"{field}:"), error["message"]


@pytest.fixture(scope="module")
def live_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with started(tmp_path_factory.mktemp("bad") / "b.sqlite") as service, \
            TestClient(create_app(service)) as client:
        wait_for(lambda: service.now_s > 0, 10, "the clock to move")
        yield client
