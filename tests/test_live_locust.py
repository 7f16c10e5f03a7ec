"""A short headless Locust run against ``omsim serve``: no request fails, and every order
the server accepted reaches a terminal state."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from om.orders import TERMINAL
from tests.conftest import REPO
from tests.livetools import Server, live_scenario, wait_terminal, write_scenario


def test_bounded_locust_load_has_no_failures_and_every_order_ends(tmp_path: Path) -> None:
    """All user classes for a few seconds: zero failed requests; afterwards each accepted
    order (B2C, bulk, amended, cancelled) is completed, failed, partial, rejected or
    cancelled."""
    scenario = write_scenario(tmp_path, live_scenario(lead_days=0.1))
    with Server(scenario, tmp_path / "live.sqlite", speed=7200) as server:
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(REPO / "benchmarks" / "locustfile.py"),
             "--headless", "-u", "8", "-r", "8", "-t", "4s", "--stop-timeout", "5",
             "--host", server.url, "--csv", str(tmp_path / "load"), "--only-summary"],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
            env={**os.environ, "OMSIM_BULK_SITES": "20,40", "OMSIM_WAIT_S": "0.05",
                 "OMSIM_POLL_S": "0.2"})
        with (tmp_path / "load_stats.csv").open() as f:
            rows = {r["Name"]: r for r in csv.DictReader(f)}
        total = rows["Aggregated"]
        # The load ran (each of the 8 users sent something); how much fits in 4 s depends
        # on the machine, so the count is not the claim: no failure and every order ending is.
        assert int(total["Request Count"]) >= 8, locust.stderr[-2000:]
        assert int(total["Failure Count"]) == 0, locust.stderr[-2000:]
        assert locust.returncode == 0, locust.stderr[-2000:]
        assert int(rows["POST productOrder (B2C)"]["Request Count"]) > 0

        with httpx.Client(base_url=server.url, timeout=10) as client:
            orders = wait_terminal(client, timeout_s=30)
    states = Counter(o["state"] for o in orders)
    assert orders and set(states) <= TERMINAL, states
    assert states["completed"] > 0
