"""Faults act on the wire as the scenario says: each fault kind of the timeline, and the
element settings, as a client of ``omsim emulate`` sees them over NETCONF and RESTCONF."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from ncclient.operations import RPCError, TimeoutExpiredError

from tests.emulatetools import (
    JSON,
    NET,
    ZERO,
    lab_dict,
    netconf,
    ont_config,
    ont_json,
    port_filter,
    restconf,
    serving,
)

PORT = f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1"


def faulty(*faults: dict, **elements: dict) -> dict:
    settings = {kind: {"latency_s": ZERO} for kind in ("olt", "bng", "dhcp")}
    settings.update(elements)
    return lab_dict(faults=list(faults), elements=settings)


def bng_config(inner: str) -> str:
    return ('<config><network xmlns="urn:omsim:yang:omsim-network"><element><name>BNG01'
            f'</name><bng xmlns="urn:omsim:yang:omsim-bng">{inner}</bng></element></network>'
            '</config>')


def rpc_error(call) -> RPCError:
    with pytest.raises(RPCError) as caught:
        call()
    return caught.value


def test_element_errors_are_operation_failed_on_both_protocols():
    """element_errors: the OLT refuses; nothing is applied; the BNG is not concerned."""
    raw = faulty({"kind": "element_errors", "element_kind": "olt", "rate": 1})
    with serving(raw) as lab, restconf(lab) as rc:
        m = netconf(lab)
        refused = rpc_error(lambda: m.edit_config(target="running", config=ont_config()))
        assert (refused.tag, refused.app_tag) == ("operation-failed", "element-error")
        assert refused.path == "/omn:network/omn:element[omn:name='EX01-OLT01']"
        m.close_session()
        over_http = rc.post(PORT, json=ont_json(2, "ALCL00000002"), headers=JSON)
        assert over_http.status_code == 500
        assert over_http.json()["ietf-restconf:errors"]["error"][0]["error-app-tag"] == \
            "element-error"
        assert "ont" not in rc.get(PORT).json()["omsim-olt:pon-port"][0]
        assert rc.post(f"{NET}/element=BNG01/omsim-bng:bng", headers=JSON, json={
            "omsim-bng:subscriber-session": [{"s-vlan": 101, "c-vlan": 9,
                                              "speed-profile": "200M-30M"}]}
                       ).status_code == 201


def test_a_full_pool_is_resource_denied():
    """pool_limit: the port takes one ONT more, then refuses; other ports are not hit."""
    raw = faulty({"kind": "pool_limit", "pool": "ont_id", "at": "EX01-OLT01/1/2", "limit": 1})
    with serving(raw) as lab:
        m = netconf(lab)
        m.edit_config(target="running", config=ont_config(port=2, ont_id=30,
                                                          serial="ALCL0000001E"))
        denied = rpc_error(lambda: m.edit_config(target="running", config=ont_config(
            port=2, ont_id=31, serial="ALCL0000001F")))
        assert (denied.tag, denied.app_tag) == ("resource-denied", "resource-exhausted")
        assert denied.path.endswith("[omolt:line-card='1'][omolt:port='2']"
                                    "/omolt:ont[omolt:ont-id='31']")
        m.edit_config(target="running", config=ont_config(port=1, ont_id=31,
                                                          serial="ALCL0000001F"))
        m.close_session()


def test_drift_shows_in_the_datastore_and_is_data_exists_naming_the_slot():
    """inventory_drift: ONTs nobody's inventory knows are on the OLT; creating one of
    their ids is data-exists (inventory-mismatch) naming the slot; they are not the
    client's to change; the ids drift left free are."""
    raw = faulty({"kind": "inventory_drift", "pool": "ont_id", "share": 0.25})
    with serving(raw) as lab, restconf(lab) as rc:
        onts = rc.get(PORT).json()["omsim-olt:pon-port"][0]["ont"]
        drifted = {o["ont-id"]: o for o in onts}
        assert drifted and all(o["serial"].startswith("DRFT") for o in onts)
        assert all(o["oper-state"] == "online" for o in onts)  # someone's working ONT
        taken = min(drifted)
        clash = rc.post(PORT, json=ont_json(taken, "ALCL000000AA"), headers=JSON)
        assert clash.status_code == 409
        error = clash.json()["ietf-restconf:errors"]["error"][0]
        assert (error["error-tag"], error["error-app-tag"]) == ("data-exists",
                                                                "inventory-mismatch")
        assert error["error-path"].endswith(f"/pon-port[line-card='1'][port='1']"
                                            f"/ont[ont-id='{taken}']")
        change = rc.patch(f"{PORT}/ont={taken}", headers=JSON,
                          json={"omsim-olt:ont": [{"ont-id": taken, "serial": "ALCL000000AB"}]})
        assert change.status_code == 409
        assert change.json()["ietf-restconf:errors"]["error"][0]["error-app-tag"] == \
            "inventory-mismatch"
        free = next(i for i in range(1, 33) if i not in drifted)
        assert rc.post(PORT, json=ont_json(free, "ALCL000000AC"), headers=JSON
                       ).status_code == 201


def test_a_lost_answer_comes_late_or_never_but_the_change_is_applied():
    """lost_answers: the answer comes the element's late_answer_s late - past the
    client's timeout at the default hour (it times out, the session goes on, the ONT is
    there), or in time for a patient client when the scenario makes it short."""
    raw = faulty({"kind": "lost_answers", "element_kind": "olt", "rate": 1},
                 {"kind": "lost_answers", "element_kind": "bng", "rate": 1},
                 bng={"latency_s": ZERO, "late_answer_s": 30})
    session = '<subscriber-session><s-vlan>101</s-vlan><c-vlan>{}</c-vlan>' \
              '<speed-profile>1G</speed-profile></subscriber-session>'
    with serving(raw, speed=100) as lab, restconf(lab) as rc:  # 1 h: 36 s; 30 s: 0.3 s
        m = netconf(lab, timeout=0.5)
        with pytest.raises(TimeoutExpiredError):
            m.edit_config(target="running", config=ont_config(ont_id=3, serial="ALCL00000003"))
        assert "ALCL00000003" in m.get_config(source="running",
                                              filter=port_filter()).data_xml
        m.timeout = 10
        started = time.monotonic()
        m.edit_config(target="running", config=bng_config(session.format(9)))
        assert time.monotonic() - started >= 0.3
        m.close_session()
        with pytest.raises(httpx.ReadTimeout):
            rc.post(PORT, json=ont_json(4, "ALCL00000004"), headers=JSON, timeout=0.5)
        assert rc.get(f"{PORT}/ont=4").status_code == 200
        started = time.monotonic()
        assert rc.post(f"{NET}/element=BNG01/omsim-bng:bng", headers=JSON, json={
            "omsim-bng:subscriber-session": [{"s-vlan": 101, "c-vlan": 10,
                                              "speed-profile": "1G"}]}).status_code == 201
        assert time.monotonic() - started >= 0.3


def test_an_element_down_or_cut_off_is_unreachable_for_the_window():
    """element_outage and link_cut: element-unreachable after the connect timeout, 503
    over HTTP, oper-status unreachable; an OLT neither down nor behind the cut answers."""
    raw = faulty({"kind": "element_outage", "element": "olt:EX01-OLT01"},
                 {"kind": "link_cut", "link": ["EX02", "BNG01"]})
    raw["network"]["exchanges"] = 2
    with serving(raw, speed=100) as lab, restconf(lab) as rc:  # 10 s to connect: 0.1 s
        m = netconf(lab)
        down = rpc_error(lambda: m.edit_config(target="running", config=ont_config()))
        assert (down.tag, down.app_tag) == ("operation-failed", "element-unreachable")
        m.close_session()
        for olt, status in (("EX01-OLT01", 503), ("EX02-OLT01", 503), ("EX01-OLT02", 201)):
            port = f"{NET}/element={olt}/omsim-olt:olt/pon-port=1,1"
            assert rc.post(port, json=ont_json(), headers=JSON).status_code == status, olt
            state = rc.get(f"{NET}/element={olt}", params={"content": "nonconfig"}).json()
            assert state["omsim-network:element"][0]["oper-status"] == (
                "reachable" if status == 201 else "unreachable")


def test_edits_beyond_max_parallel_edits_wait_their_turn():
    """An element takes max_parallel_edits at a time; the others queue (none refused)."""
    raw = faulty(olt={"latency_s": 2.0, "max_parallel_edits": 1})
    with serving(raw, speed=20) as lab:  # 2 s of configuration: 0.1 s each
        codes: list[int] = []

        def put(n: int) -> None:
            with restconf(lab) as client:
                codes.append(client.post(PORT, json=ont_json(n, f"ALCL{n:08X}"),
                                         headers=JSON).status_code)
        started = time.monotonic()
        threads = [threading.Thread(target=put, args=(n,)) for n in range(1, 6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert codes == [201] * 5
        assert time.monotonic() - started >= 5 * 0.1  # one after another


def test_the_same_requests_get_the_same_answers():
    """Determinism: each element draws from its own stream in request order."""
    raw = faulty(olt={"latency_s": ZERO, "error_rate": 0.5})

    def answers() -> list[int]:
        with serving(raw) as lab, restconf(lab) as rc:
            return [rc.post(PORT, json=ont_json(n, f"ALCL{n:08X}"), headers=JSON).status_code
                    for n in range(1, 21)]
    first = answers()
    assert set(first) == {201, 500}
    assert answers() == first
