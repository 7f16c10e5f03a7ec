"""The emulator's IPAM answers pynetbox, unchanged, as NetBox would: the BNGs' IPv4 pools
as prefixes, allocation from the very pools the DHCP servers use (so exhaustion is
shared, and a pool_limit fault is NetBox's 409), NetBox's pagination, token auth, and
records that survive a restart with the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pynetbox
import pytest

from network_model import generate_network
from sim.emulate import EmulatorThread
from sim.emulate.netbox import Ipam
from sim.scenario.load import scenario_from_dict
from tests.emulatetools import CREDENTIALS, JSON, NET, TOKEN, emulator, lab_dict, restconf

POOL = "BNG01:ipv4:100.64.0.0/26"  # the lab's one IPv4 pool: 61 addresses, .2 to .62
DHCP = f"{NET}/element=BNG01-DHCP/omsim-dhcp:dhcp"


@contextmanager
def ipam_lab(raw: dict[str, Any] | None = None) -> Iterator[tuple[EmulatorThread, Any]]:
    """The lab serving its IPAM, and a pynetbox API on it."""
    with EmulatorThread(emulator(raw), CREDENTIALS) as lab:
        yield lab, pynetbox.api(f"http://127.0.0.1:{lab.http_port}", token=TOKEN)


def test_prefixes_are_the_bng_pools_and_allocation_takes_from_them():
    """A prefix per BNG pool; available-ips lists the lowest free addresses; allocating
    takes the slot in the network's own pool, and deleting gives it back."""
    with ipam_lab() as (lab, nb):
        prefixes = list(nb.ipam.prefixes.all())
        assert [(p.prefix, p.description) for p in prefixes] == [
            ("100.64.0.0/26", "BNG01 subscriber pool")]
        prefix = nb.ipam.prefixes.get(prefixes[0].id)
        assert [a["address"] for a in prefix.available_ips.list()][:2] == [
            "100.64.0.2/26", "100.64.0.3/26"]
        made = prefix.available_ips.create({"description": "PO-1/1", "status": "active"})
        assert made["address"] == "100.64.0.2/26"
        pool = lab.emulator.pools[POOL]
        assert pool.is_allocated(0)
        record = nb.ipam.ip_addresses.get(made["id"])
        assert (record.description, record.status.value) == ("PO-1/1", "active")
        record.delete()
        assert not pool.is_allocated(0)
        assert nb.ipam.ip_addresses.get(made["id"]) is None


def test_exhaustion_is_shared_with_the_dhcp_server():
    """An address a DHCP reservation took (made without the IPAM) is never offered; an
    address the IPAM handed out is free for its reservation; a record of an address in
    use takes nothing, and its delete gives nothing back."""
    with ipam_lab() as (lab, nb), restconf(lab) as rc:
        rc.post(DHCP, headers=JSON, json={"omsim-dhcp:reservation": [
            {"ipv4-address": "100.64.0.2"}]}).raise_for_status()
        prefix = next(iter(nb.ipam.prefixes.all()))
        assert "100.64.0.2/26" not in [a["address"] for a in prefix.available_ips.list()]
        made = prefix.available_ips.create({})
        assert made["address"] == "100.64.0.3/26"
        rc.post(DHCP, headers=JSON, json={"omsim-dhcp:reservation": [
            {"ipv4-address": "100.64.0.3"}]}).raise_for_status()
        noted = nb.ipam.ip_addresses.create({"address": "100.64.0.2/26"})
        nb.ipam.ip_addresses.get(noted.id).delete()
        assert lab.emulator.pools[POOL].is_allocated(0)  # still the reservation's


def test_a_full_pool_is_netbox_409_and_pynetbox_allocation_error():
    """A pool_limit fault: nothing is available, and allocating raises AllocationError
    with NetBox's message; recording a named free address is refused the same way."""
    raw = lab_dict(faults=[{"kind": "pool_limit", "pool": "ipv4_address", "at": "BNG01",
                            "limit": 1}])
    with ipam_lab(raw) as (lab, nb):
        prefix = next(iter(nb.ipam.prefixes.all()))
        prefix.available_ips.create({})
        assert prefix.available_ips.list() == []
        with pytest.raises(pynetbox.AllocationError) as raised:
            prefix.available_ips.create({})
        assert "insufficient number of IP addresses" in raised.value.req.json()["detail"]
        with pytest.raises(pynetbox.AllocationError):  # pynetbox: any 409 to a POST
            nb.ipam.ip_addresses.create({"address": "100.64.0.9/26"})


def test_pagination_follows_netbox():
    """count/next/previous with limit and offset; next carries the filters; pynetbox
    pages through all of them; limit=0 is the largest page."""
    with ipam_lab() as (lab, nb):
        prefix = next(iter(nb.ipam.prefixes.all()))
        prefix.available_ips.create([{"description": "x"}] * 5)
        assert len(list(nb.ipam.ip_addresses.filter(description="x", limit=2))) == 5
        base = f"http://127.0.0.1:{lab.http_port}/api/ipam/ip-addresses/"
        with httpx.Client(headers={"Authorization": f"Token {TOKEN}"}) as http:
            first = http.get(base, params={"description": "x", "limit": 2}).json()
            assert (first["count"], len(first["results"]), first["previous"]) == (5, 2, None)
            assert "description=x" in first["next"] and "offset=2" in first["next"]
            second = http.get(first["next"]).json()
            assert second["previous"] is not None and second["results"][0]["id"] == 3
            assert len(http.get(base, params={"limit": 0}).json()["results"]) == 5
            assert http.get(f"http://127.0.0.1:{lab.http_port}/api/").headers[
                "API-Version"] == "4.2"


def test_edits_and_bad_input_answer_as_netbox():
    """PATCH changes only what it names (pynetbox save); a bad choice is a 400 naming the
    field; an address never moves; unknown ids are 404 (pynetbox: None)."""
    with ipam_lab() as (lab, nb):
        prefix = next(iter(nb.ipam.prefixes.all()))
        record = nb.ipam.ip_addresses.get(prefix.available_ips.create({})["id"])
        record.description = "PO-7/1"
        record.save()
        record.update({"status": "reserved"})
        again = nb.ipam.ip_addresses.get(record.id)
        assert (again.description, again.status.value) == ("PO-7/1", "reserved")
        with pytest.raises(pynetbox.RequestError) as bad:
            again.update({"status": "bogus"})
        assert bad.value.error == '{"status": ["\\"bogus\\" is not a valid choice."]}'
        with pytest.raises(pynetbox.RequestError):
            again.update({"address": "100.64.0.40/26"})
        assert nb.ipam.prefixes.get(99) is None


def test_the_token_is_required():
    """No token or a wrong one: 403 with NetBox's messages."""
    with ipam_lab() as (lab, _):
        url = f"http://127.0.0.1:{lab.http_port}/api/ipam/prefixes/"
        assert httpx.get(url).json() == {"detail": "Authentication credentials were not "
                                                   "provided."}
        wrong = pynetbox.api(f"http://127.0.0.1:{lab.http_port}", token="not-the-token")
        with pytest.raises(pynetbox.RequestError) as refused:
            list(wrong.ipam.prefixes.all())
        assert refused.value.req.status_code == 403


def test_records_and_ids_survive_a_restart():
    """With the emulator's database, records, their slots and the id counter come back
    (NetBox never reuses an id)."""
    scenario = scenario_from_dict(lab_dict(), "lab.yaml")
    db = sqlite3.connect(":memory:")

    def network() -> Any:
        return generate_network(scenario.network, scenario.seed, scenario.workforce)

    first = Ipam(network(), db)
    kept, gone = first.allocate(first.prefixes[1], [{"description": "kept"}, {}])
    first.delete(gone)
    again = Ipam(network(), db)
    assert [(r.id, r.address, r.fields["description"]) for r in again.records.values()] == [
        (kept.id, "100.64.0.2/26", "kept")]
    assert again.prefixes[1].pool.is_allocated(0)
    assert again.allocate(again.prefixes[1], [{}])[0].id == 3
