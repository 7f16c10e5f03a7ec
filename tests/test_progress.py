"""Progress on the command line: ``omsim run`` draws a bar of simulated days (with
orders per second and an ETA) on a terminal's stderr, and nothing with ``--quiet`` or
when stderr is a pipe; the bar changes nothing in the report; a restarted live service
tells how far its replay is."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from sim.live.api.app import create_app
from sim.live.service import LiveService
from sim.run.harness import run_scenario
from sim.units import DAY_S
from tests.conftest import REPO, small_dict, without_wall_time
from tests.livetools import PO, b2c_order, scenario_object, started, wait_for


def test_the_report_is_the_same_with_a_progress_bar(small_scenario) -> None:
    """Determinism: stepping the clock an hour at a time for the bar leaves every figure,
    the count of SimPy events included, as one env.run makes them."""
    calls: list[tuple[float, float, int]] = []
    told = run_scenario(small_scenario, progress=lambda *c: calls.append(c))
    assert without_wall_time(told.data) == without_wall_time(run_scenario(small_scenario).data)
    total = small_scenario.duration_days * DAY_S
    assert len(calls) == small_scenario.duration_days * 24
    assert [c[0] for c in calls] == sorted(c[0] for c in calls) and calls[-1][:2] == (total,
                                                                                      total)
    assert calls[-1][2] == told["orders"]["submitted"]


def _run_cli(tmp_path: Path, *extra: str, terminal: bool) -> tuple[int, str]:
    """``omsim run`` of the small scenario; (exit code, what it wrote to stderr), stderr
    being a pseudo-terminal or a pipe."""
    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(small_dict(duration_days=20)))
    argv = [sys.executable, "-m", "sim.cli", "run", str(scenario), "--out",
            str(tmp_path / "r.json"), *extra]
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120", "PYTHONPATH": str(REPO)}
    if not terminal:
        done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120)
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=follower)
    os.close(follower)
    out, deadline = b"", time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the child closed the terminal
            break
        out += chunk
        if not chunk and process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=10), out.decode(errors="replace")


def test_omsim_run_draws_a_bar_on_a_terminal_only(tmp_path: Path) -> None:
    code, drawn = _run_cli(tmp_path, terminal=True)
    assert code == 0
    assert "day 20.0 of 20" in drawn and "orders/s" in drawn and "ETA" in drawn, drawn[-500:]
    code, quiet = _run_cli(tmp_path, "--quiet", terminal=True)
    assert code == 0 and "orders/s" not in quiet and "day" not in quiet, quiet
    code, piped = _run_cli(tmp_path, terminal=False)
    assert code == 0 and piped == "", piped


def test_a_replay_tells_how_far_it_is(tmp_path: Path) -> None:
    """Restarting on a database whose log reaches simulated day 3: the callback hears
    the replay up to its end, with the orders it rebuilt."""
    db = tmp_path / "p.sqlite"
    with started(db, speed=200_000) as service, TestClient(create_app(service)) as client:
        wait_for(lambda: service.now_s > 3 * DAY_S, 30, "three simulated days")
        address = service.run.om.network.serviceable_addresses()[0].id
        assert client.post(f"{PO}/productOrder", json=b2c_order(address)).status_code == 201
    heard: list[tuple[float, float, int]] = []
    service = LiveService(scenario_object(), db, speed=200_000)
    try:
        service.start(progress=lambda *c: heard.append(c))
    finally:
        service.stop()
    done_s, total_s, orders = heard[-1]
    assert total_s > 3 * DAY_S and done_s == total_s and orders == 1
    assert [h[0] for h in heard] == sorted(h[0] for h in heard)
