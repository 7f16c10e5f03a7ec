"""The southbound adapter on its own: wire answers become om's fallout causes, and the
live clock keeps time while the network holds an answer back (a lost answer is ROM's
timeout, as in process)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from om import FalloutCause
from sim.emulate import EmulatorThread
from sim.live import orders as tmf_orders
from sim.live.api.app import create_app
from sim.live.requests import Kind, Request
from sim.live.service import LiveService
from sim.run.harness import build_run
from sim.scenario.load import scenario_from_dict
from sim.southbound import Link, LinkError, WireSouthbound
from sim.southbound.causes import restconf_error, transport_error
from sim.units import DAY_S
from tests.conftest import REPO
from tests.emulatetools import CREDENTIALS, PASSWORD, TOKEN, emulator, lab_dict, restconf
from tests.livetools import PO, b2c_order, wait_for

SLOT = ("EX01-OLT01/1/1:ont", 4)
HOME = "SuperFibre 200 Home"


def errors(status: int, tag: str, app_tag: str | None = None) -> httpx.Response:
    error = {"error-type": "application", "error-tag": tag, "error-message": "no"}
    if app_tag:
        error["error-app-tag"] = app_tag
    return httpx.Response(status, json={"ietf-restconf:errors": {"error": [error]}})


@pytest.mark.parametrize("answer, cause, conflict", [
    (errors(500, "operation-failed", "element-error"), FalloutCause.ELEMENT_ERROR, None),
    (errors(503, "operation-failed", "element-unreachable"),
     FalloutCause.ELEMENT_UNREACHABLE, None),
    (errors(503, "operation-failed", "shutting-down"), FalloutCause.ELEMENT_UNREACHABLE, None),
    (errors(409, "resource-denied", "resource-exhausted"),
     FalloutCause.RESOURCE_EXHAUSTED, None),
    (errors(409, "data-exists", "inventory-mismatch"), FalloutCause.INVENTORY_MISMATCH, SLOT),
    (errors(409, "data-exists"), FalloutCause.INVENTORY_MISMATCH, SLOT),
    (errors(500, "operation-failed", "data-not-unique"), FalloutCause.INVENTORY_MISMATCH,
     None),
    (errors(400, "invalid-value"), FalloutCause.ELEMENT_ERROR, None),
    (httpx.Response(503, text="<html>proxy</html>"), FalloutCause.ELEMENT_UNREACHABLE, None),
])
def test_restconf_errors_map_to_fallout_causes(answer, cause, conflict):
    """By error-app-tag (omsim's causes, hyphenated), else error-tag, else status; only a
    slot in use carries the slot for ROM to reconcile."""
    error = restconf_error("RO-1/1", "olt:EX01-OLT01", answer, SLOT)
    assert (error.cause, error.conflict, error.element) == (cause, conflict,
                                                            "olt:EX01-OLT01")


def test_no_answer_is_a_timeout_and_no_connection_unreachable():
    assert transport_error("k", "e", httpx.ReadTimeout("slow")).cause is FalloutCause.TIMEOUT
    assert transport_error("k", "e", httpx.ConnectError("refused")).cause is \
        FalloutCause.ELEMENT_UNREACHABLE


def test_a_link_needs_a_url_and_every_secret():
    with pytest.raises(LinkError, match="southbound: an http"):
        Link("127.0.0.1:8080", "omsim", PASSWORD, TOKEN, 1.0)
    with pytest.raises(LinkError, match="southbound_token"):
        Link("http://127.0.0.1:8080", "omsim", PASSWORD, "", 1.0)
    link = Link("http://127.0.0.1:8080/", "omsim", PASSWORD, TOKEN, 100.0)
    assert link.base == "http://127.0.0.1:8080"
    assert link.request_timeout_s(60) == 2.0 and link.request_timeout_s(6000) == 60.0


def test_a_lost_answer_is_a_timeout_and_the_clock_goes_on(tmp_path):
    """The OLT loses every answer: the emulator holds each request open, ROM times out
    on its own clock (which keeps pace with the wall meanwhile), retries, and the order
    falls out as timeout - what lost answers give in process."""
    speed = 100.0
    raw = lab_dict(elements={"olt": {"latency_s": {"dist": "constant", "value": 1},
                                     "lost_answer_rate": 1.0,
                                     "retry": {"attempts": 2, "timeout_s": 60,
                                               "backoff_s": 10}}},
                   order_management={"operations": {"enabled": False}})
    with EmulatorThread(emulator(raw, speed), CREDENTIALS) as lab:
        link = Link(f"http://127.0.0.1:{lab.http_port}", "omsim", PASSWORD, TOKEN, speed)
        scenario = scenario_from_dict(raw, "lab.yaml", REPO)
        service = LiveService(scenario, tmp_path / "live.sqlite", speed, southbound=lambda
                              env, network, s: WireSouthbound(env, network, s, link))
        try:
            service.start()
            request = Request(Kind.CREATE, "", b2c_order("ADDR0000001"))
            assert service.submit(request).result(10)[0] == 201
            wall, sim = time.monotonic(), service.now_s
            time.sleep(0.5)  # the first answer is being held back meanwhile
            assert service.now_s - sim >= 0.5 * speed * (time.monotonic() - wall)
            assert service.port.stats()["outstanding"] >= 1
            wait_for(lambda: service.status()["falloutByCause"], 20, "the order fell out")
            assert service.status()["falloutByCause"] == {"timeout": 1}
            assert service.port.stats()["sent"]["activate"] == 2  # the try and one retry
        finally:
            service.stop()
    local = build_run(scenario, arrivals=False)
    order = tmf_orders.new_order(local.om, b2c_order("ADDR0000001"))
    local.om.submit(order)
    local.env.run(until=DAY_S)
    assert (order.state.value, order.fallout_cause) == ("failed", "timeout")


def test_a_modify_over_the_wire_reapplies_the_unit_with_the_new_settings(tmp_path):
    """A modify re-applies the unit its service's add item built, with the product's
    characteristics merged with the change: a downstream, then an upstream change give
    the BNG session the speed profile of both, on the same VLANs; a static address
    changes the DHCP reservation, on the same address. What the change does not touch
    (the ONT; the reservation for a speed change) is left as it was."""
    speed = 1000.0  # fast, yet a loopback round trip stays well inside ROM's timeouts
    crew = {"technicians": 4, "shift_start_hour": 0, "shift_end_hour": 24,
            "travel_min": {"dist": "constant", "value": 5},
            "install_min": {"dist": "constant", "value": 20},
            "appointment_lead_days": {"dist": "constant", "value": 0}}
    elements = {kind: {"latency_s": {"dist": "constant", "value": 0},
                       "retry": {"timeout_s": 600}}
                for kind in ("olt", "bng", "dhcp", "voice_platform", "acs")}
    raw = lab_dict(workforce=crew, elements=elements,
                   order_management={"operations": {"enabled": False}})
    with EmulatorThread(emulator(raw, speed), CREDENTIALS) as lab, \
            restconf(lab) as wire:
        link = Link(f"http://127.0.0.1:{lab.http_port}", "omsim", PASSWORD, TOKEN, speed)
        scenario = scenario_from_dict(raw, "lab.yaml", REPO)
        service = LiveService(scenario, tmp_path / "live.sqlite", speed, southbound=lambda
                              env, network, s: WireSouthbound(env, network, s, link))
        try:
            service.start()
            with TestClient(create_app(service)) as om:
                def ended(order_id: str) -> dict[str, Any] | None:
                    doc = om.get(f"{PO}/productOrder/{order_id}").json()
                    return doc if doc["state"] in ("completed", "failed") else None

                address = om.get("/omsim/addresses", params={"limit": 1}).json()[0]["id"]
                provide = om.post(f"{PO}/productOrder", json=b2c_order(address)).json()
                done = wait_for(lambda: ended(provide["id"]), 20, "the provide ended")
                assert done["state"] == "completed", done
                before = sessions(wire)
                assert [s["speed-profile"] for s in before.values()] == ["200M-30M"]
                onts, addresses = olt_and_dhcp(wire)

                product = done["productOrderItem"][0]["product"]["id"]
                for name, value, profile, static in (
                        ("downstream_mbps", 500, "500M-30M", False),
                        ("upstream_mbps", 100, "500M-100M", False),
                        ("static_ip", True, "500M-100M", True)):
                    modify = om.post(f"{PO}/productOrder", json={"productOrderItem": [{
                        "id": "1", "action": "modify", "productOffering": {"id": HOME},
                        "product": {"id": product, "productCharacteristic": [
                            {"name": name, "value": value}]}}]}).json()
                    changed = wait_for(lambda m=modify["id"]: ended(m), 20, "the modify ended")
                    assert changed["state"] == "completed", changed
                    after = sessions(wire)
                    assert after.keys() == before.keys()
                    assert [s["speed-profile"] for s in after.values()] == [profile]
                    now_onts, now_addresses = olt_and_dhcp(wire)
                    assert now_onts == onts
                    assert [{**a, "static": static} for a in addresses] == now_addresses
                assert service.port.stats()["refusedByCause"] == {}
        finally:
            service.stop()


def sessions(lab: httpx.Client) -> dict[tuple[int, int], dict[str, Any]]:
    """The BNG's subscriber sessions by (S-VLAN, C-VLAN)."""
    network = lab.get("/restconf/data/omsim-network:network").json()
    return {(s["s-vlan"], s["c-vlan"]): s
            for e in network["omsim-network:network"]["element"]
            for s in e.get("omsim-bng:bng", {}).get("subscriber-session", ())}


def olt_and_dhcp(lab: httpx.Client) -> tuple[list[Any], list[Any]]:
    """What the OLTs and the DHCP server hold of subscribers (ONTs, reservations)."""
    network = lab.get("/restconf/data/omsim-network:network").json()
    elements = network["omsim-network:network"]["element"]
    onts = [port.get("ont", []) for e in elements
            for port in e.get("omsim-olt:olt", {}).get("pon-port", ())]
    return ([o for port in onts for o in port],
            [r for e in elements for r in e.get("omsim-dhcp:dhcp", {}).get("reservation", ())])
