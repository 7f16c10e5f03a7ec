"""A short headless Locust run against ``omsim serve``: no request fails, and every order
the server accepted reaches a terminal state.

The run lasts until every kind of request has been made a few times (Locust's own
statistics file, rewritten every second, says so), then Locust is stopped as Ctrl-C in a
terminal would (SIGTERM: it finishes and writes its statistics). A fixed ``--run-time`` was
a wall-clock assumption: on a busy machine fetching the addresses ate the whole run."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from om.orders import TERMINAL
from tests.conftest import REPO
from tests.livetools import Server, live_scenario, wait_for, wait_terminal, write_scenario

# Every user class runs (by weight alone, 8 users left the bulk one out).
USERS = ("ScenarioUser=1,B2cUser=2,BulkEnterpriseUser=1,AmendCancelUser=2,PollingUser=1,"
         "EchoUser=1")
# Requests by the start of their name, each made at least this often before Locust stops.
MADE = {"POST productOrder (B2C)": 3, "POST productOrder (bulk": 1,
        "POST productOrder (to amend)": 2, "PATCH productOrder": 2,
        "POST cancelProductOrder": 2, "POST /omsim/echo": 3,
        "GET productOrder?state=inProgress": 3}


def counts(path: Path) -> dict[str, int]:
    """Requests by name in Locust's statistics file so far (none before it exists)."""
    try:
        with path.open() as f:
            rows = [(r["Name"], int(r["Request Count"])) for r in csv.DictReader(f)]
    except (FileNotFoundError, KeyError, ValueError):
        return {}
    return {start: sum(n for name, n in rows if name.startswith(start)) for start in MADE}


def made_enough(path: Path) -> bool:
    made = counts(path)
    return all(made.get(start, 0) >= n for start, n in MADE.items())


def test_bounded_locust_load_has_no_failures_and_every_order_ends(tmp_path: Path) -> None:
    """All user classes for a few seconds: zero failed requests; afterwards each accepted
    order (B2C, bulk, amended, cancelled) is completed, failed, partial, rejected or
    cancelled."""
    scenario = write_scenario(tmp_path, live_scenario(lead_days=0.1))
    with Server(scenario, tmp_path / "live.sqlite", speed=7200) as server:
        stats, log = tmp_path / "load_stats.csv", tmp_path / "locust.log"
        with log.open("w") as said_so:
            locust = subprocess.Popen(
                [sys.executable, "-m", "locust", "-f",
                 str(REPO / "benchmarks" / "locustfile.py"), "--headless", "-u", "8", "-r", "8",
                 "-t", "120s", "--stop-timeout", "5", "--host", server.url,
                 "--csv", str(tmp_path / "load"), "--only-summary"],
                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=said_so,
                env={**os.environ, "OMSIM_BULK_SITES": "20,40", "OMSIM_WAIT_S": "0.05",
                     "OMSIM_POLL_S": "0.2", "OMSIM_USERS": USERS})
        try:
            wait_for(lambda: made_enough(stats) or locust.poll() is not None, 90,
                     "every kind of request made")
            locust.send_signal(signal.SIGTERM)
            locust.wait(timeout=30)
        finally:
            if locust.poll() is None:
                locust.kill()
                locust.wait()
        said = log.read_text()[-2000:]
        assert made_enough(stats), (counts(stats), said)
        with stats.open() as f:
            total = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
        assert int(total["Failure Count"]) == 0, said
        assert locust.returncode == 0, said

        with httpx.Client(base_url=server.url, timeout=10) as client:
            orders = wait_terminal(client, timeout_s=30)
    states = Counter(o["state"] for o in orders)
    assert orders and set(states) <= TERMINAL, states
    assert states["completed"] > 0
