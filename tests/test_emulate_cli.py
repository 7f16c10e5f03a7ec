"""``omsim emulate`` from the command line: options checked before anything is served
(one error line, exit 2), where each interface listens, a clean stop on SIGTERM, and the
network's configuration surviving a restart with ``--db``."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from sim.cli import main
from tests.emulatetools import JSON, NET, PASSWORD, TOKEN, USER, lab_dict, ont_json

PORT = f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1"


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(lab_dict()))
    return path


def refused(capsys, *argv: str) -> str:
    """The one error line of an ``omsim emulate`` that must not start."""
    assert main(["emulate", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err and "Traceback" not in err
    return err


def test_bad_options_are_one_error_line_naming_the_option(scenario, capsys, tmp_path):
    """Everything is checked before the emulator says it serves."""
    login = ["--password", PASSWORD, "--token", TOKEN]
    assert "--password" in refused(capsys, str(scenario), "--token", TOKEN)
    assert "--token" in refused(capsys, str(scenario), "--password", PASSWORD)
    assert "--speed" in refused(capsys, str(scenario), *login, "--speed", "0")
    assert "--netconf-port" in refused(capsys, str(scenario), *login, "--netconf-port", "70000")
    assert "--db" in refused(capsys, str(scenario), *login, "--db",
                             str(tmp_path / "nowhere" / "x.sqlite"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        assert f"--http-port {busy}" in refused(capsys, str(scenario), *login,
                                                 "--netconf-port", "0", "--http-port", busy)
    assert "nope.yaml" in refused(capsys, str(tmp_path / "nope.yaml"), *login)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(lab_dict(faults=[{"kind": "element_outage",
                                                    "element": "olt:NOPE"}])))
    assert re.search(r"bad\.yaml: faults\.0\.element: no element 'olt:NOPE'",
                     refused(capsys, str(bad), *login))
    bad.write_text("network: [")
    assert "bad.yaml" in refused(capsys, str(bad), *login)


def start(scenario: Path, db: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """``omsim emulate`` in a process of its own; what it printed about where it listens."""
    env = {**os.environ, "OMSIM_PASSWORD": PASSWORD, "OMSIM_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "emulate", str(scenario),
                             "--netconf-port", "0", "--http-port", "0", "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(3)]
    netconf = re.search(r"ssh://\S+:(\d+) .*host key (\S+)\)", lines[1])
    http = re.search(r"http://\S+:(\d+)/restconf", lines[2])
    assert netconf and http, lines
    return proc, {"netconf": netconf[1], "key": netconf[2], "http": http[1]}


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def test_it_serves_stops_on_sigterm_and_keeps_its_configuration(scenario, tmp_path):
    """A configured ONT, the ONT ids it holds and the SSH host key survive a restart."""
    db = tmp_path / "lab.sqlite"
    proc, where = start(scenario, db)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{where['http']}", auth=(USER, PASSWORD),
                          timeout=10) as rc:
            assert rc.post(PORT, json=ont_json(7, "ALCL00000007"), headers=JSON
                           ).status_code == 201
    finally:
        stop(proc)
    proc, again = start(scenario, db)
    try:
        assert again["key"] == where["key"]
        with httpx.Client(base_url=f"http://127.0.0.1:{again['http']}", auth=(USER, PASSWORD),
                          timeout=10) as rc:
            assert json.loads(rc.get(f"{PORT}/ont=7", params={"content": "config"}).text) == {
                "omsim-olt:ont": [{"ont-id": 7, "serial": "ALCL00000007",
                                   "profile": "200M-30M"}]}
            clash = rc.post(PORT, json=ont_json(7, "ALCL00000077"), headers=JSON)
            assert clash.status_code == 409  # the slot is still held
    finally:
        stop(proc)


def test_the_library_surface_is_pinned():
    """What a client's own test suite may build on: an emulator from a scenario, served
    from a thread, with its logins."""
    import sim.emulate

    assert sorted(sim.emulate.__all__) == ["Credentials", "EmulateOptions", "Emulator",
                                           "EmulatorThread", "Lab", "build_lab", "emulate"]
