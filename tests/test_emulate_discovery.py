"""Discovery: the emulated network's topology as TMF639 resources (valid against the
vendored spec) with what each holds now and whether it answers, and the service
addresses with the PON port that serves each, so a client can plan its orders."""

from __future__ import annotations

import httpx

from om.tmf_specs import validate_body
from sim.emulate import EmulatorThread
from sim.emulate.discovery import ADDRESSES, RESOURCES
from tests.emulatetools import CREDENTIALS, JSON, NET, emulator, lab_dict, ont_json, restconf


def serving(raw: dict | None = None) -> EmulatorThread:
    return EmulatorThread(emulator(raw), CREDENTIALS)


def by_name(chars: list[dict]) -> dict:
    return {c["name"]: c["value"] for c in chars}


def test_the_topology_is_tmf639_resources_with_their_relationships():
    """Links, BNG, DHCP, OLTs, PON ports and platforms, each a valid TMF639 Resource; a
    port is contained in its OLT, an OLT homed on its BNG; a port read by its id."""
    with serving() as lab, restconf(lab) as client:
        listed = client.get(RESOURCES, params={"limit": 1000})
        assert listed.status_code == 200
        docs = listed.json()
        for doc in docs:
            assert not validate_body("TMF639", "Resource", doc), doc
        categories = {d["category"] for d in docs}
        assert {"link", "bng", "dhcp", "olt", "ponPort"} <= categories
        assert int(listed.headers["X-Total-Count"]) == len(docs) == 1 + 1 + 1 + 2 + 8 + 2
        port = client.get(f"{RESOURCES}/EX01-OLT01/2/1").json()
        assert by_name(port["resourceCharacteristic"])["lineCard"] == 2
        assert port["resourceRelationship"] == [{"relationshipType": "isContainedIn",
                                                 "resource": {
                                                     "id": "EX01-OLT01", "name": "EX01-OLT01",
                                                     "href": f"{RESOURCES}/EX01-OLT01",
                                                     "@referredType": "Resource"}}]
        olt = client.get(RESOURCES, params={"category": "olt", "fields": "id"}).json()
        assert olt == [{"id": "EX01-OLT01", "href": f"{RESOURCES}/EX01-OLT01"},
                       {"id": "EX01-OLT02", "href": f"{RESOURCES}/EX01-OLT02"}]


def test_resources_show_what_they_hold_and_whether_they_answer():
    """A registered ONT shows on its port (ONT ids in use, usage active); an OLT down
    (element_outage) is operationalState disable, with its ports; a missing id is 404."""
    raw = lab_dict(faults=[{"kind": "element_outage", "element": "olt:EX01-OLT02"}])
    with serving(raw) as lab, restconf(lab) as client:
        client.post(f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1", headers=JSON,
                    json=ont_json(3, "ALCL00000003")).raise_for_status()
        port = client.get(f"{RESOURCES}/EX01-OLT01/1/1").json()
        assert (port["usageState"], by_name(port["resourceCharacteristic"])["ontIdsInUse"]
                ) == ("active", 1)
        down = client.get(RESOURCES, params={"name": "EX01-OLT02,EX01-OLT02/1/1"}).json()
        assert [d["operationalState"] for d in down] == ["disable", "disable"]
        assert client.get(f"{RESOURCES}/EX01-OLT01")
        assert client.get(f"{RESOURCES}/NOPE").status_code == 404


def test_addresses_name_their_serving_pon_port():
    """Service addresses page (206 until the last page), filter on serviceability, and
    each serviceable one names a PON port that is a resource; no login is a 401."""
    raw = lab_dict()
    raw["network"] = {**raw["network"], "unserviceable_addresses": 3}
    with serving(raw) as lab, restconf(lab) as client:
        first = client.get(ADDRESSES, params={"limit": 10})
        assert first.status_code == 206 and first.headers["X-Total-Count"] == "259"
        assert first.json()[0]["servingPonPort"]["id"] == "EX01-OLT01/1/1"
        served = client.get(ADDRESSES, params={"serviceable": "true", "limit": 1000}).json()
        unserved = client.get(ADDRESSES, params={"serviceable": "false"}).json()
        assert (len(served), len(unserved)) == (256, 3)
        assert all(a["servingPonPort"] is None for a in unserved)
        ports = {a["servingPonPort"]["id"] for a in served}
        for port in ports:
            assert client.get(f"{RESOURCES}/{port}").status_code == 200
        one = client.get(f"{ADDRESSES}/ADDR0000001").json()
        assert (one["streetNr"], one["serviceable"]) == ("1", True)
        assert httpx.get(f"http://127.0.0.1:{lab.http_port}{ADDRESSES}").status_code == 401
