"""``omsim serve`` refuses what it cannot do with one error line and exit code 2, before it
says it is serving: bad options, a port it cannot bind, a database another server holds."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.livetools import Server, live_scenario, write_scenario


def _serve(*argv: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim.cli", "serve", *argv], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_bad_serve_options_get_one_error_line_and_exit_2(tmp_path: Path) -> None:
    scenario = str(write_scenario(tmp_path, live_scenario()))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        cases = {  # what is wrong -> (arguments, a word the error names)
            "max items": (["--max-items", "-1"], "--max-items"),
            "speed": (["--speed", "nan"], "--speed"),
            "negative port": (["--port", "-1"], "--port"),
            "port too high": (["--port", "99999"], "--port"),
            "missing directory": (["--db", str(tmp_path / "nowhere" / "x.sqlite")], "--db"),
            "port in use": (["--port", busy], busy),
            "bad host": (["--host", "no such host.invalid", "--port", "0"], "--host"),
        }
        # All at once: each is a Python start-up, and they do not depend on each other.
        running = {name: _serve(scenario, "--db", str(tmp_path / f"{n}.sqlite"), *argv)
                   for n, (name, (argv, _)) in enumerate(cases.items())}
        try:
            for name, process in running.items():
                out, err = process.communicate(timeout=60)
                assert process.returncode == 2, (name, out, err)
                assert "on http://" not in out, (name, out)
                lines = err.strip().splitlines()
                assert len(lines) == 1 and "error" in lines[0], (name, err)
                assert cases[name][1] in lines[0], (name, lines[0])
        finally:
            for process in running.values():
                process.kill()
                process.wait()


def test_a_second_server_on_the_same_database_is_refused(tmp_path: Path) -> None:
    """One writer per database: a second ``omsim serve`` on the same --db exits 2 with one
    line saying so, and the first one keeps serving."""
    scenario = write_scenario(tmp_path, live_scenario())
    db = tmp_path / "live.sqlite"
    with Server(scenario, db, 3600) as first:
        second = _serve(str(scenario), "--db", str(db), "--port", "0")
        try:
            out, err = second.communicate(timeout=60)
        finally:
            second.kill()
            second.wait()
        assert second.returncode == 2, (out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "in use" in lines[0] and str(db) in lines[0], err
        assert httpx.get(f"{first.url}/omsim/status").json()["healthy"] is True
