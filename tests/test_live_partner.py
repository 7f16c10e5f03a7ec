"""A real partner in live mode (issue 17): two ``omsim serve`` processes on loopback, the
wholesaler (scenarios/wholesaler.yaml) and the retailer (scenarios/gateways.yaml) whose
wholesale partner is that wholesaler (``--partner wholesale=URL``), both at a simulated
day per wall second.

An off-net provide completes through a wholesale order placed on the wholesaler, which
carries our resource order item's key as its externalId while our resource order names
its id; a provide at an off-net address outside the wholesaler's footprint comes back as
partner_rejected; a cancelled provide cancels its wholesale order. The two scenarios are
the shipped ones, with quick appointments, a courier that never fails and no faults, so
that each outcome is certain and a day is a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import SCENARIOS
from tests.livetools import PO, Server, b2c_order, wait_for

SPEED = 86_400.0
RO = "/tmf-api/resourceOrderingManagement/v4/resourceOrder"
IN_FOOTPRINT, ALSO_IN_FOOTPRINT = "ADDR0098705", "ADDR0099000"  # gateways' first off-net
OUTSIDE = "ADDR0109600"  # off-net for the retailer, past the wholesaler's 109,440 homes


def _variant(tmp: Path, name: str, change: dict[str, Any]) -> Path:
    raw = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text())
    raw["catalog"] = str(SCENARIOS / raw["catalog"])
    raw.update(change)
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _scenarios(tmp: Path) -> tuple[Path, Path]:
    raw = yaml.safe_load((SCENARIOS / "gateways.yaml").read_text())
    partners = raw["partners"]
    partners["courier"] = {"lead_days": {"dist": "uniform", "low": 0.05, "high": 0.1}}
    retailer = _variant(tmp, "gateways", {"partners": partners, "faults": []})
    workforce = {"technicians": 20, "shift_start_hour": 0, "shift_end_hour": 24,
                 "travel_min": 0, "install_min": {"dist": "uniform", "low": 10, "high": 20},
                 "appointment_lead_days": {"dist": "uniform", "low": 1, "high": 1.5}}
    wholesaler = _variant(tmp, "wholesaler", {"workforce": workforce})
    return retailer, wholesaler


def _state(client: httpx.Client, order_id: str) -> str:
    return client.get(f"{PO}/productOrder/{order_id}").json()["state"]


def _wholesale_at(client: httpx.Client, place: str) -> list[dict[str, Any]]:
    """The wholesaler's orders for an address."""
    return [o for o in client.get(f"{PO}/productOrder", params={"limit": 1000}).json()
            if o["productOrderItem"][0]["product"]["place"][0]["id"] == place]


def test_the_retailer_orders_its_off_net_lines_from_a_wholesaler_over_tmf622(tmp_path):
    retailer_yaml, wholesaler_yaml = _scenarios(tmp_path)
    with Server(wholesaler_yaml, tmp_path / "wholesaler.sqlite", SPEED) as wholesaler:
        partner = f"wholesale={wholesaler.url}{PO}"
        with Server(retailer_yaml, tmp_path / "retailer.sqlite", SPEED,
                    "--partner", partner) as retailer, \
                httpx.Client(base_url=retailer.url, timeout=10) as ours, \
                httpx.Client(base_url=wholesaler.url, timeout=10) as theirs:
            placed = {place: ours.post(f"{PO}/productOrder", json=b2c_order(place)).json()["id"]
                      for place in (IN_FOOTPRINT, OUTSIDE, ALSO_IN_FOOTPRINT)}
            # Cancel one while its wholesale line is being built.
            wait_for(lambda: _wholesale_at(theirs, ALSO_IN_FOOTPRINT), 10, "a wholesale order")
            cancel = ours.post(f"{PO}/cancelProductOrder",
                               json={"productOrder": {"id": placed[ALSO_IN_FOOTPRINT]}})
            assert cancel.status_code == 201, cancel.text
            ended = wait_for(lambda: all(_state(ours, o) in ("completed", "failed",
                                                              "cancelled")
                                         for o in placed.values()) and
                             {p: _state(ours, o) for p, o in placed.items()}, 15,
                             "every order ended")
            assert ended == {IN_FOOTPRINT: "completed", OUTSIDE: "failed",
                             ALSO_IN_FOOTPRINT: "cancelled"}
            status = ours.get("/omsim/status").json()
            assert status["falloutByCause"] == {"partner_rejected": 1}
            wait_for(lambda: {o["state"] for o in _wholesale_at(theirs, ALSO_IN_FOOTPRINT)}
                     == {"cancelled"}, 5, "the wholesale order cancelled")
            (line,) = _wholesale_at(theirs, IN_FOOTPRINT)
            refused = _wholesale_at(theirs, OUTSIDE)
            references = {(r["id"], f"{ro['id']}/{r['name']}")
                          for ro in ours.get(RO, params={"limit": 1000}).json()
                          for r in ro["externalReference"] if r["owner"] == "partner wholesale"}
    assert line["state"] == "completed"
    # Correlated both ways: their order names our resource order item, ours names theirs.
    assert (line["id"], line["externalId"]) in references
    assert line["productOrderItem"][0]["productOffering"]["id"] == "RFS_WholesaleAccess"
    assert refused and {o["state"] for o in refused} == {"failed"}
    assert all(o["note"][-1]["text"] == "address_not_found" for o in refused)
    assert status["partners"]["wholesale"]["notified"] > 0  # followed by the hub
