"""omsim's own order manager provisions a separately started ``omsim emulate`` over the
wire (``omsim serve --southbound``): two processes on loopback, orders through TMF622.

The scenario's fault - BNG01's IPv4 pool shrunk to nothing - acts in the emulator only:
orders behind BNG02 complete and leave in the emulator's datastore and IPAM exactly what
the order manager's resource inventory says (a cease takes it all back out), with their
ONTs brought online by the install visits; orders behind BNG01 fall out as
``resource_exhausted``, order for order as the same orders do in process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from network_model import Network, generate_network
from sim.live import orders as tmf_orders
from sim.run.harness import build_run
from sim.scenario.load import scenario_from_dict
from sim.units import DAY_S
from tests.conftest import REPO, small_dict
from tests.livetools import PO, b2c_order, free_port, wait_for

SPEED = 1000.0  # fast, yet a loopback round trip stays well inside ROM's timeouts
PASSWORD, TOKEN = "lab-password-1", "lab-token-0123456"
ORDERS_PER_BNG = 4
RESOURCES = "/tmf-api/resourceInventoryManagement/v4/resource"
NET = "/restconf/data/omsim-network:network"
FAULT = {"kind": "pool_limit", "pool": "ipv4_address", "at": "BNG01", "limit": 0}


def scenario_dict() -> dict[str, Any]:
    """The small network (two BNGs) with a round-the-clock crew, quick visits booked for
    today, one-second element answers and no operations desk (fallout is final)."""
    kinds = ("olt", "bng", "dhcp", "voice_platform", "acs")
    return small_dict(
        name="wire", duration_days=3,
        workforce={"technicians": 12, "shift_start_hour": 0, "shift_end_hour": 24,
                   "travel_min": {"dist": "constant", "value": 5},
                   "install_min": {"dist": "constant", "value": 20},
                   "appointment_lead_days": {"dist": "constant", "value": 0}},
        elements={k: {"latency_s": {"dist": "constant", "value": 1},
                      "retry": {"timeout_s": 600}} for k in kinds},
        order_management={"operations": {"enabled": False}},
        faults=[FAULT])


def _process(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMSIM_PASSWORD": PASSWORD,
           "OMSIM_TOKEN": TOKEN}
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def _answers(url: str, process: subprocess.Popen, log: Path, **auth: Any) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"exited {process.returncode}: {log.read_text()}")
    try:
        return httpx.get(url, timeout=2, **auth).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def two_processes(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``omsim emulate`` and ``omsim serve --southbound`` on loopback free ports; their
    base URLs (emulator, order manager). Both are stopped with SIGTERM after."""
    scenario = tmp_path / "wire.yaml"
    scenario.write_text(yaml.safe_dump(scenario_dict(), sort_keys=False))
    lab = f"http://127.0.0.1:{free_port()}"
    om = f"http://127.0.0.1:{free_port()}"
    running = []
    try:
        emulate = _process(["emulate", str(scenario), "--speed", str(SPEED), "--http-port",
                            lab.rpartition(":")[2], "--netconf-port", str(free_port())],
                           tmp_path / "emulate.log")
        running.append(emulate)
        wait_for(lambda: _answers(f"{lab}/restconf", emulate, tmp_path / "emulate.log",
                                  auth=("omsim", PASSWORD)), 30, "omsim emulate answers")
        serve = _process(["serve", str(scenario), "--speed", str(SPEED), "--port",
                          om.rpartition(":")[2], "--southbound", lab], tmp_path / "serve.log")
        running.append(serve)
        wait_for(lambda: _answers(f"{om}/omsim/status", serve, tmp_path / "serve.log"), 30,
                 "omsim serve answers")
        yield lab, om
    finally:
        for process in reversed(running):
            process.terminate()
        for process in running:
            process.wait(timeout=15)


def addresses_by_bng(network: Network) -> dict[str, list[str]]:
    """Serviceable addresses of each BNG, spread over its PON ports."""
    out: dict[str, list[str]] = {}
    for address in network.serviceable_addresses()[::7]:
        bng = network.homing_bng(network.ports[address.port].olt)
        out.setdefault(bng, []).append(address.id)
    return out


def inventory(om: httpx.Client) -> tuple[set[str], set[tuple[int, int]], set[str]]:
    """The order manager's resources: ONTs (OLT/card/port/id), VLAN pairs, addresses."""
    found = om.get(RESOURCES, params={"limit": 1000}).json()
    onts, sessions, addresses = set(), set(), set()
    for r in found:
        chars = {c["name"]: c["value"] for c in r["resourceCharacteristic"]}
        if r["category"] == "ont_id":
            onts.add(f"{chars['pool'].removesuffix(':ont')}/{chars['slot'] + 1}")
        elif r["category"] == "c_vlan":  # "svlan 101 / cvlan 2"
            s, c = (int(part.split()[1]) for part in r["name"].split(" / "))
            sessions.add((s, c))
        elif r["category"] == "ipv4_address":
            addresses.add(r["name"])
    return onts, sessions, addresses


def datastore(lab: httpx.Client) -> tuple[set[str], set[tuple[int, int]], set[str], bool]:
    """The same, as the emulator's datastore holds it, and whether every ONT is online."""
    elements = lab.get(NET).json()["omsim-network:network"]["element"]
    onts, sessions, addresses, online = set(), set(), set(), True
    for e in elements:
        for port in e.get("omsim-olt:olt", {}).get("pon-port", ()):
            for ont in port.get("ont", ()):
                onts.add(f"{e['name']}/{port['line-card']}/{port['port']}/{ont['ont-id']}")
                online &= ont.get("oper-state") == "online"
        for s in e.get("omsim-bng:bng", {}).get("subscriber-session", ()):
            sessions.add((s["s-vlan"], s["c-vlan"]))
        for r in e.get("omsim-dhcp:dhcp", {}).get("reservation", ()):
            addresses.add(r["ipv4-address"])
    return onts, sessions, addresses, online


def ipam(lab_url: str) -> set[str]:
    answer = httpx.get(f"{lab_url}/api/ipam/ip-addresses/", params={"limit": 0},
                       headers={"Authorization": f"Token {TOKEN}"})
    return {r["address"].partition("/")[0] for r in answer.json()["results"]}


def in_process(bodies: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """The same orders on the same scenario, the network simulated in process: each
    order's final state and fallout cause."""
    scenario = scenario_from_dict(scenario_dict(), "wire.yaml", REPO)
    run = build_run(scenario, arrivals=False)
    orders = [tmf_orders.new_order(run.om, body) for body in bodies]
    for order in orders:
        run.om.submit(order)
    run.env.run(until=2 * DAY_S)
    return [(o.state.value, o.fallout_cause) for o in orders]


def test_orders_over_the_wire_match_the_datastore_and_the_in_process_fallout(tmp_path):
    """(a) completed orders leave exactly their inventory in the emulator, (b) the fault
    gives the same fallout, order for order, as in process."""
    scenario = scenario_from_dict(scenario_dict(), "wire.yaml", REPO)
    by_bng = addresses_by_bng(generate_network(scenario.network, scenario.seed,
                                               scenario.workforce))
    places = by_bng["BNG01"][:ORDERS_PER_BNG] + by_bng["BNG02"][:ORDERS_PER_BNG]
    bodies = [b2c_order(place) for place in places]
    with two_processes(tmp_path) as (lab_url, om_url), \
            httpx.Client(base_url=om_url) as om, \
            httpx.Client(base_url=lab_url, auth=("omsim", PASSWORD)) as lab:
        ids = [om.post(f"{PO}/productOrder", json=body).json()["id"] for body in bodies]

        def ended() -> list[dict[str, Any]] | None:
            docs = [om.get(f"{PO}/productOrder/{i}").json() for i in ids]
            return docs if all(d["state"] in ("completed", "failed") for d in docs) else None
        docs = wait_for(ended, 30, "every order ended")
        status = om.get("/omsim/status").json()

        # (a) what completed is in the network, exactly, and its visits brought it online
        assert [d["state"] for d in docs] == ["failed"] * 4 + ["completed"] * 4
        onts, sessions, addresses = inventory(om)
        assert (len(onts), len(sessions), len(addresses)) == (4, 4, 4)
        assert datastore(lab) == (onts, sessions, addresses, True)
        assert ipam(lab_url) == addresses

        # ... and a cease takes it back out of the network
        product = docs[-1]["productOrderItem"][0]["product"]["id"]
        cease = om.post(f"{PO}/productOrder", json={"productOrderItem": [{
            "id": "1", "action": "delete", "productOffering": {"id": "SuperFibre 200 Home"},
            "product": {"id": product}}]}).json()["id"]
        wait_for(lambda: om.get(f"{PO}/productOrder/{cease}").json()["state"] == "completed",
                 30, "the cease completed")
        onts, sessions, addresses = inventory(om)
        assert len(onts) == 3 and datastore(lab) == (onts, sessions, addresses, True)
        assert ipam(lab_url) == addresses

    # (b) the same fallout as the same orders in process
    wire = Counter(status["falloutByCause"])
    assert wire == Counter({"resource_exhausted": 4})
    local = in_process(bodies)
    assert [state for state, _ in local] == [d["state"] for d in docs]
    assert Counter(cause for _, cause in local if cause) == wire
    assert status["southbound"]["refusedByCause"].keys() == {"resource_exhausted"}


@pytest.mark.parametrize("option, value, says", [
    ("--southbound", "ftp://nowhere", "--southbound: an http(s) URL"),
    ("--southbound", "http://127.0.0.1:9", "no answer"),
])
def test_a_bad_southbound_is_one_error_line_before_serving(tmp_path, option, value, says):
    """A URL that is none or where nothing answers: exit 2 with one line, nothing served."""
    scenario = tmp_path / "wire.yaml"
    scenario.write_text(yaml.safe_dump(scenario_dict(), sort_keys=False))
    done = subprocess.run([sys.executable, "-m", "sim.cli", "serve", str(scenario),
                           "--port", "0", option, value], cwd=REPO, capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO),
                               "OMSIM_PASSWORD": PASSWORD, "OMSIM_TOKEN": TOKEN})
    assert done.returncode == 2 and says in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
