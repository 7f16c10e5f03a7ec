"""The southbound adapter on its own: wire answers become om's fallout causes, and the
live clock keeps time while the network holds an answer back (a lost answer is ROM's
timeout, as in process)."""

from __future__ import annotations

import time

import httpx
import pytest

from om import FalloutCause
from sim.emulate import EmulatorThread
from sim.live import orders as tmf_orders
from sim.live.requests import Kind, Request
from sim.live.service import LiveService
from sim.run.harness import build_run
from sim.scenario.load import scenario_from_dict
from sim.southbound import Link, LinkError, WireSouthbound
from sim.southbound.causes import restconf_error, transport_error
from sim.units import DAY_S
from tests.conftest import REPO
from tests.emulatetools import CREDENTIALS, PASSWORD, TOKEN, emulator, lab_dict
from tests.livetools import b2c_order, wait_for

SLOT = ("EX01-OLT01/1/1:ont", 4)


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
