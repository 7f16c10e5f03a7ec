"""RESTCONF (RFC 8040) against ``omsim emulate``, with curl and httpx: every method on the
same datastore NETCONF edits, ``ietf-restconf:errors`` bodies, the YANG library, basic
auth, and keys that need percent-encoding."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.emulatetools import (
    JSON,
    NET,
    PASSWORD,
    USER,
    netconf,
    ont_json,
    port_filter,
    restconf,
    serving,
)

OLT = f"{NET}/element=EX01-OLT01/omsim-olt:olt"


@pytest.fixture(scope="module")
def lab():
    with serving() as running:
        yield running


@pytest.fixture
def rc(lab):
    with restconf(lab) as client:
        yield client


def error(response) -> dict:
    assert response.headers["content-type"] == "application/yang-data+json"
    (err,) = response.json()["ietf-restconf:errors"]["error"]
    return err


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_plain_curl_creates_and_reads_an_ont(lab):
    """The README's curl calls work as written."""
    url = f"http://127.0.0.1:{lab.http_port}{OLT}/pon-port=1,1"
    post = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}%header{location}",
         "-u", f"{USER}:{PASSWORD}", "-H", "Content-Type: application/yang-data+json",
         "-d", json.dumps(ont_json(ont_id=5, serial="ALCL00000005")), url],
        capture_output=True, text=True, timeout=10, check=True)
    assert post.stdout.startswith("201 ")
    assert post.stdout.endswith(f"{OLT}/pon-port=1,1/ont=5")
    got = subprocess.run(["curl", "-sS", "-u", f"{USER}:{PASSWORD}", "-H",
                          "Accept: application/yang-data+json", f"{url}/ont=5"],
                         capture_output=True, text=True, timeout=10, check=True)
    assert json.loads(got.stdout) == {"omsim-olt:ont": [{
        "ont-id": 5, "serial": "ALCL00000005", "profile": "200M-30M",
        "oper-state": "pending-install"}]}


def test_put_patch_delete_and_netconf_see_the_same_datastore(rc, lab):
    """One datastore: what RESTCONF wrote, NETCONF reads."""
    ont = f"{OLT}/pon-port=1,2/ont=6"
    assert rc.put(ont, json=ont_json(6, "ALCL00000006", **{"c-vlan": 200}),
                  headers=JSON).status_code == 201
    assert rc.put(ont, json=ont_json(6, "ALCL00000006"), headers=JSON).status_code == 204
    assert "c-vlan" not in rc.get(ont).json()["omsim-olt:ont"][0]  # PUT replaced it whole
    assert rc.patch(ont, json={"omsim-olt:ont": [{"ont-id": 6, "profile": "1G-1G"}]},
                    headers=JSON).status_code == 204
    assert rc.get(ont, params={"content": "config"}).json() == {"omsim-olt:ont": [{
        "ont-id": 6, "serial": "ALCL00000006", "profile": "1G-1G"}]}
    m = netconf(lab)
    try:
        assert b"ALCL00000006" in m.get_config(source="running",
                                               filter=port_filter(port=2)).data_xml.encode()
    finally:
        m.close_session()
    assert rc.delete(ont).status_code == 204
    assert rc.get(ont).status_code == 404
    gone = rc.delete(ont)
    assert gone.status_code == 409 and error(gone)["error-tag"] == "data-missing"


def test_errors_are_restconf_error_bodies_naming_the_path(rc):
    """Status and error-tag per RFC 8040 section 7, error-path an instance-identifier."""
    port = f"{OLT}/pon-port=2,1"
    assert rc.post(port, json=ont_json(1), headers=JSON).status_code == 201
    again = rc.post(port, json=ont_json(1), headers=JSON)
    assert again.status_code == 409
    assert error(again)["error-path"] == ("/omsim-network:network/element[name='EX01-OLT01']"
                                          "/omsim-olt:olt/pon-port[line-card='2'][port='1']"
                                          "/ont[ont-id='1']")
    vlan = rc.post(port, json=ont_json(2, "ALCL00000002", **{"c-vlan": 5000}), headers=JSON)
    assert vlan.status_code == 400 and error(vlan)["error-tag"] == "invalid-value"
    assert error(vlan)["error-path"].endswith("/ont[ont-id='2']/c-vlan")
    nowhere = rc.get(f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1/colour")
    assert nowhere.status_code == 400 and "colour" in error(nowhere)["error-message"]
    no_element = rc.get(f"{NET}/element=NOPE")
    assert no_element.status_code == 404 and "NOPE" in error(no_element)["error-path"]
    bad_json = rc.post(port, content=b'{"omsim-olt:ont": [', headers=JSON)
    assert bad_json.status_code == 400 and error(bad_json)["error-tag"] == "malformed-message"
    assert rc.post(port, json=ont_json(3), headers={"content-type": "text/plain"}
                   ).status_code == 415
    assert rc.get(port, headers={"accept": "application/yang-data+xml"}).status_code == 406


def test_a_key_with_a_plus_is_percent_encoded_and_post_says_where(rc):
    """Keys are split on the raw path: %2B is '+', and the Location is usable as is."""
    numbers = f"{NET}/element=voice-platform/omsim-voice:voice"
    made = rc.post(numbers, json={"omsim-voice:number": [{"e164": "+442079460017",
                                                          "sip-user": "line-17"}]},
                   headers=JSON)
    assert made.status_code == 201
    assert made.headers["location"] == f"{numbers}/number=%2B442079460017"
    assert rc.get(made.headers["location"]).json() == {"omsim-voice:number": [{
        "e164": "+442079460017", "sip-user": "line-17"}]}
    outside = rc.post(numbers, json={"omsim-voice:number": [{"e164": "+15550100",
                                                             "sip-user": "x"}]}, headers=JSON)
    assert outside.status_code == 400 and "range" in error(outside)["error-message"]


def test_login_discovery_and_the_yang_library(lab, rc):
    """Basic auth guards the data; host-meta and the library tell a client where to go."""
    with restconf(lab) as anonymous:
        anonymous.auth = None
        refused = anonymous.get(NET)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Basic")
        assert "restconf" in anonymous.get("/.well-known/host-meta").text
    library = rc.get("/restconf/data/ietf-yang-library:yang-library").json()
    (module_set,) = library["ietf-yang-library:yang-library"]["module-set"]
    assert {m["name"] for m in module_set["module"]} == {
        "omsim-network", "omsim-olt", "omsim-bng", "omsim-dhcp", "omsim-voice", "omsim-acs"}
    state = rc.get(f"{NET}/element=BNG01", params={"content": "nonconfig"}).json()
    assert state == {"omsim-network:element": [{"name": "BNG01",
                                                "oper-status": "reachable"}]}


def test_the_http_app_takes_more_interfaces_over_the_same_emulator():
    """The seam for the IPAM, appointments and discovery: a router factory is given the
    emulator (its network, pools, workforce, clock) and the logins, next to RESTCONF."""
    from fastapi import APIRouter
    from fastapi.testclient import TestClient

    from sim.emulate.http import build_app
    from tests.emulatetools import CREDENTIALS, emulator

    def pools(lab, credentials) -> APIRouter:
        router = APIRouter()

        @router.get("/pools")
        def listed() -> dict:
            return {"pools": len(lab.pools), "regions": sorted(lab.workforce),
                    "now": lab.clock.env.now, "user": credentials.user}
        return router
    with TestClient(build_app(emulator(), CREDENTIALS, [pools])) as client:
        got = client.get("/pools").json()
        assert got["pools"] > 0 and got["regions"] == ["workforce:R01"]
        assert got["user"] == USER
        assert client.get(NET).status_code == 401  # RESTCONF is there too, guarded
