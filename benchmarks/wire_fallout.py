"""Fallout over the wire vs in process, fault by fault (issue 12's figure).

For each fault, the same orders (half behind BNG01, half behind BNG02) go to omsim's
order manager twice: in process, on the simulated elements, and over the wire, through
``omsim serve --southbound`` to a separately started ``omsim emulate`` of the same
scenario (two processes on loopback). Printed: each side's fallout by cause, its
dominant cause and the orders' final states.

    .venv/bin/python benchmarks/wire_fallout.py            # all faults, 16 orders each
    .venv/bin/python benchmarks/wire_fallout.py --orders 8 --only drift

The network and settings are the two-process test's (tests/test_emulate_two_process.py):
two BNGs, a round-the-clock crew with quick visits booked for today, one-second element
answers, no operations desk (a fallout is final), both clocks at 1,000x.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from network_model import generate_network  # noqa: E402
from sim.live import orders as tmf_orders  # noqa: E402
from sim.run.harness import build_run  # noqa: E402
from sim.scenario.load import scenario_from_dict  # noqa: E402
from sim.units import DAY_S  # noqa: E402
from tests.conftest import small_dict  # noqa: E402
from tests.livetools import PO, b2c_order, free_port, wait_for  # noqa: E402

SPEED = 1000.0
PASSWORD, TOKEN = "lab-password-1", "lab-token-0123456"
FAULTS: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "pool_limit: BNG01's IPv4 pool full": (
        [{"kind": "pool_limit", "pool": "ipv4_address", "at": "BNG01", "limit": 0}], {}),
    "inventory_drift: 40 % of ONT ids": (
        [{"kind": "inventory_drift", "pool": "ont_id", "share": 0.4}], {}),
    "element_outage: BNG01 down": ([{"kind": "element_outage", "element": "bng:BNG01"}], {}),
    "link_cut: EX01-BNG01": ([{"kind": "link_cut", "link": ["EX01", "BNG01"]}], {}),
    "lost_answers: OLT, 50 %": (
        [{"kind": "lost_answers", "element_kind": "olt", "rate": 0.5}], {}),
    "element_errors: BNG, 50 %": (
        [{"kind": "element_errors", "element_kind": "bng", "rate": 0.5}], {}),
    "no-shows: 50 % of visits": ([], {"no_show_rate": 0.5}),
}


def scenario(faults: list[dict[str, Any]], workforce: dict[str, Any]) -> dict[str, Any]:
    kinds = ("olt", "bng", "dhcp", "voice_platform", "acs")
    return small_dict(
        name="wire", duration_days=3,
        workforce={"technicians": 12, "shift_start_hour": 0, "shift_end_hour": 24,
                   "travel_min": {"dist": "constant", "value": 5},
                   "install_min": {"dist": "constant", "value": 20},
                   "appointment_lead_days": {"dist": "constant", "value": 0}, **workforce},
        elements={k: {"latency_s": {"dist": "constant", "value": 1},
                      "retry": {"timeout_s": 600}} for k in kinds},
        order_management={"operations": {"enabled": False}}, faults=faults)


def places(raw: dict[str, Any], per_bng: int) -> list[str]:
    s = scenario_from_dict(raw, "wire.yaml", REPO)
    network = generate_network(s.network, s.seed, s.workforce)
    by_bng: dict[str, list[str]] = {}
    for address in network.serviceable_addresses()[::5]:
        by_bng.setdefault(network.homing_bng(network.ports[address.port].olt), []).append(
            address.id)
    return [a for bng in sorted(by_bng) for a in by_bng[bng][:per_bng]]


def in_process(raw: dict[str, Any], bodies: list[dict[str, Any]]) -> tuple[Counter, Counter]:
    run = build_run(scenario_from_dict(raw, "wire.yaml", REPO), arrivals=False)
    orders = [tmf_orders.new_order(run.om, body) for body in bodies]
    for order in orders:
        run.om.submit(order)
    run.env.run(until=3 * DAY_S)
    return (Counter(o.fallout_cause for o in orders if o.fallout_cause),
            Counter(o.state.value for o in orders))


@contextmanager
def two_processes(raw: dict[str, Any], work: Path) -> Iterator[str]:
    """omsim emulate and omsim serve --southbound; the order manager's URL."""
    path = work / "wire.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMSIM_PASSWORD": PASSWORD,
           "OMSIM_TOKEN": TOKEN}
    lab, om = free_port(), free_port()
    common = [sys.executable, "-m", "sim.cli"]
    running = [subprocess.Popen([*common, "emulate", str(path), "--speed", str(SPEED),
                                 "--http-port", str(lab), "--netconf-port", str(free_port())],
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL)]
    try:
        wait_for(lambda: _up(f"http://127.0.0.1:{lab}/restconf", ("omsim", PASSWORD)), 60,
                 "omsim emulate")
        running.append(subprocess.Popen(
            [*common, "serve", str(path), "--speed", str(SPEED), "--port", str(om),
             "--southbound", f"http://127.0.0.1:{lab}"], cwd=REPO, env=env,
            stdout=subprocess.DEVNULL))
        wait_for(lambda: _up(f"http://127.0.0.1:{om}/omsim/status"), 60, "omsim serve")
        yield f"http://127.0.0.1:{om}"
    finally:
        for process in reversed(running):
            process.terminate()
            process.wait(30)


def _up(url: str, auth: tuple[str, str] | None = None) -> bool:
    try:
        return httpx.get(url, auth=auth, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def over_the_wire(raw: dict[str, Any], bodies: list[dict[str, Any]]) -> tuple[Counter, Counter]:
    with tempfile.TemporaryDirectory() as work, two_processes(raw, Path(work)) as url, \
            httpx.Client(base_url=url, timeout=30) as om:
        ids = [om.post(f"{PO}/productOrder", json=body).json()["id"] for body in bodies]

        def states() -> list[str] | None:
            found = [om.get(f"{PO}/productOrder/{i}").json()["state"] for i in ids]
            return found if all(s in ("completed", "failed", "partial") for s in found) \
                else None
        ended = wait_for(states, 300, "every order ended")
        return Counter(om.get("/omsim/status").json()["falloutByCause"]), Counter(ended)


def dominant(causes: Counter) -> str:
    return causes.most_common(1)[0][0] if causes else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=16, help="orders per fault (even)")
    parser.add_argument("--only", default="", help="faults whose name contains this")
    args = parser.parse_args(argv)
    print(f"{'fault':38} {'in process':36} {'over the wire':36} same")
    for name, (faults, workforce) in FAULTS.items():
        if args.only not in name:
            continue
        raw = scenario(faults, workforce)
        bodies = [b2c_order(p) for p in places(raw, max(1, args.orders // 2))]
        began = time.monotonic()
        local, local_states = in_process(raw, bodies)
        wire, wire_states = over_the_wire(raw, bodies)
        print(f"{name:38} {_show(local, local_states):36} {_show(wire, wire_states):36} "
              f"{'yes' if dominant(local) == dominant(wire) else 'NO'} "
              f"({time.monotonic() - began:.0f} s)", flush=True)
    return 0


def _show(causes: Counter, states: Counter) -> str:
    text = ", ".join(f"{c} {n}" for c, n in causes.most_common()) or "none"
    return f"{text} [{states.get('completed', 0)} done]"


if __name__ == "__main__":
    sys.exit(main())
