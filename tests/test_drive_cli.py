"""``omsim drive`` on the command line: bad input is one error line and exit 2 before any
order is sent; the report has ``omsim run``'s shape; replications, thresholds, a
baseline (Welch) and JUnit work on drive reports as ``omsim check`` does on run reports."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET

import pytest
import yaml

from sim.cli import main
from sim.run.harness import run_scenario
from sim.scenario.load import load_scenario
from tests.conftest import small_dict
from tests.drivetools import BASE, FakeTarget, Misbehaviour
from tests.test_cli_errors import one_error_line

HOME = "SuperFibre 200 Home"
# What a run report has that only the simulation sees: the target's insides.
INSIDE = {"install_backlog", "fallout_backlog", "utilisation"}


@pytest.fixture
def scenario_file(tmp_path):
    """Half a scenario day of ~50 orders, gated on its fallout."""
    raw = small_dict(name="drive-cli", duration_days=0.5, warmup_days=0,
                     arrivals=[{"offering": HOME, "rate_per_day": 100}],
                     thresholds=["fallout.rate < 0.05"])
    path = tmp_path / "drive.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def args(scenario, target: str, *more: str) -> list[str]:
    return ["drive", str(scenario), "--target", target, "--speed", "86400",
            "--drain-timeout", "5", "--quiet", *more]


# Drives whose report is judged (the later options win): a window of a wall second, in
# which the fake's orders, each ended 0.05 s after it was created, end even when a busy
# machine sends them late (at 86400 the window was 0.5 s, and under load some drives saw
# no order end in it), and a drain that ends once every order is answered and ended
# (its timeout is never reached).
SENDING = ("--speed", "43200", "--drain-timeout", "60")
QUICK = 0.05


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "misbehaviour", "fragments"), [
    ("unreachable", None, ["cannot connect"]),
    ("not the base path", Misbehaviour(), ["answered 404: not a TMF622 endpoint",
                                           "ends in /productOrderingManagement/v4"]),
    ("HTML", Misbehaviour(list_answer="html"), ["answered text/html",
                                                 "not a JSON list of product orders"]),
    ("500", Misbehaviour(list_answer="500"), ["answered GET productOrder with 500"]),
    ("no key", Misbehaviour(), ["needs an API key (HTTP 401); give --api-key"]),
    ("wrong key", Misbehaviour(), ["refused the API key (HTTP 401); check --api-key"]),
])
def test_a_target_that_cannot_be_driven(target, misbehaviour, fragments, scenario_file,
                                        tmp_path, capsys):
    """One line naming --target and why; exit 2; not one order sent; no report."""
    out = tmp_path / "report.json"
    if misbehaviour is None:
        rc = main(args(scenario_file, f"http://127.0.0.1:{closed_port()}{BASE}",
                       "--out", str(out)))
        one_error_line(capsys, rc, "--target", *fragments)
        assert not out.exists()
        return
    keyed = target in ("no key", "wrong key")
    with FakeTarget(misbehaviour, api_key="right" if keyed else "") as fake:
        url = fake.url.removesuffix(BASE) + "/tmf-api" if target == "not the base path" \
            else fake.url
        extra = ["--api-key", "wrong"] if target == "wrong key" else []
        rc = main(args(scenario_file, url, "--out", str(out), *extra))
    one_error_line(capsys, rc, "--target", *fragments)
    assert fake.did.posts == [] and not out.exists()


@pytest.mark.parametrize(("options", "fragments"), [
    (["--speed", "0"], ["--speed 0"]),
    (["--speed", "nan"], ["--speed nan"]),
    (["--drain-timeout", "-1"], ["--drain-timeout -1"]),
    (["--listen", "127.0.0.1:99999"], ["--listen", "port from 0 to 65535"]),
    (["--listen", "0.0.0.0:0"], ["--listen", "give --callback"]),
    (["--callback", "ftp://x"], ["--callback"]),
    (["--duration-days", "0"], ["--duration-days 0"]),
    (["--replications", "0"], ["--replications 0"]),
    (["--seed", "-1"], ["--seed"]),
    (["--api-key", "s\u00e9same"], ["--api-key: must be printable ASCII"]),
])
def test_bad_options(options, fragments, scenario_file, capsys):
    with FakeTarget() as fake:
        one_error_line(capsys, main(args(scenario_file, fake.url, *options)), *fragments)
    assert fake.did.posts == []


def test_listen_on_a_port_in_use(scenario_file, capsys):
    with socket.socket() as taken, FakeTarget() as fake:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        rc = main(args(scenario_file, fake.url, "--listen", f"127.0.0.1:{port}"))
    one_error_line(capsys, rc, f"--listen 127.0.0.1:{port}: cannot listen",
                   "Address already in use")
    assert fake.did.posts == []


def test_bad_target_url(scenario_file, capsys):
    one_error_line(capsys, main(args(scenario_file, "ftp://somewhere/v4")),
                   "--target 'ftp://somewhere/v4': expected an http(s) URL")


@pytest.mark.parametrize(("content", "fragments"), [
    (None, ["no such file"]),
    ("", ["no address ids in it"]),
    ('[{"id": 3}]', ["entry 0: expected an id"]),
    ("[1, 2", ["not valid JSON"]),
    ("ADDR1\nbad\x07id\n", ["line 2: not an address id"]),
])
def test_bad_addresses_file(content, fragments, scenario_file, tmp_path, capsys):
    path = tmp_path / "addresses.txt"
    if content is not None:
        path.write_text(content)
    with FakeTarget() as fake:
        rc = main(args(scenario_file, fake.url, "--addresses", str(path)))
    one_error_line(capsys, rc, f"--addresses {path}", *fragments)
    assert fake.did.posts == []


def test_bad_scenario(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(small_dict(duration_days=-1)))
    with FakeTarget() as fake:
        one_error_line(capsys, main(args(path, fake.url)), str(path), "duration_days")
    assert fake.did.posts == []


def test_duration_days_must_outlast_the_warmup(tmp_path, capsys):
    path = tmp_path / "warm.yaml"
    path.write_text(yaml.safe_dump(small_dict(warmup_days=1)))
    with FakeTarget() as fake:
        one_error_line(capsys, main(args(path, fake.url, "--duration-days", "1")),
                       "--duration-days 1", "longer than the warm-up", "(1 days)")


def test_a_baseline_without_the_scenario(scenario_file, tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"omsim_baseline": 1, "scenarios": {"other": {}}}))
    with FakeTarget() as fake:
        rc = main(args(scenario_file, fake.url, "--replications", "2",
                       "--baseline", str(baseline)))
    one_error_line(capsys, rc, str(baseline), "no baseline for scenario 'drive-cli'")
    assert fake.did.posts == []


# -- the report, the gate -------------------------------------------------------------------

def test_the_report_has_the_run_reports_shape(scenario_file, tmp_path):
    """Every section a run report has that can be seen from outside, with the same keys
    (fallout by state and cause instead of by layer: a target's layers are its own; no
    backlogs or utilisation over time: those are the target's insides)."""
    out = tmp_path / "report.json"
    with FakeTarget(Misbehaviour(fail=5, end_s=QUICK)) as fake:
        assert main(args(scenario_file, fake.url, "--out", str(out), *SENDING)) == 0
    drive = json.loads(out.read_text())
    run = run_scenario(load_scenario(scenario_file)).data
    for section in ("orders", "throughput", "cycle_time_hours", "cycle_time_histogram",
                    "in_system", "order_types", "segments", "timeline", "cancellations",
                    "amendments"):
        assert set(drive[section]) >= set(run[section]) - INSIDE, section
    # Little's law on every acknowledged order (no warm-up): X counts each order that
    # ended in the window, W is their mean time in the system.
    ended = sum(drive["orders"][s] for s in ("completed", "failed", "partial", "cancelled",
                                             "rejected"))
    in_system = drive["in_system"]
    assert in_system["ended_per_day"] == ended / 0.5 > 0
    assert 0 < in_system["hours_mean"] <= 12 and in_system["orders_mean"] > 0
    assert set(drive["fallout"]) >= {"rate", "orders", "by_cause", "by_offering"}
    assert drive["fallout"]["by_state"] == {"failed": drive["fallout"]["orders"]}
    # At the end of the window some failures were still to come; at the end of the drain
    # every one the target made was seen.
    assert drive["drain"]["orders"]["failed"] == fake.did.ended["failed"]
    assert 0 < drive["fallout"]["orders"] <= fake.did.ended["failed"]
    assert set(drive["cycle_time_hours_censored"]) >= {"mean", "p50", "p90", "p99", "n",
                                                        "open", "lower_bounds"}
    for op in ("post", "cancel", "patch"):
        assert set(drive["acknowledgement_ms"][op]) >= {"p50", "p95", "p99"}
    assert drive["state_changes"]["seen"] > 0


def test_replications_thresholds_baseline_and_junit(scenario_file, tmp_path, capsys):
    """A baseline from two drives of a healthy target; three drives of a release that
    fails one order in two: the threshold and the Welch comparison fail, exit 1, JUnit
    says so."""
    baseline, junit = tmp_path / "baseline.json", tmp_path / "drive.xml"
    with FakeTarget(Misbehaviour(end_s=QUICK)) as fake:
        assert main(args(scenario_file, fake.url, *SENDING, "--replications", "2",
                         "--save-baseline", str(baseline), "--check")) == 0
    stored = json.loads(baseline.read_text())["scenarios"]["drive-cli"]
    assert stored["replications"] == 2 and stored["values"]["fallout.rate"] == [0.0, 0.0]
    with FakeTarget(Misbehaviour(fail=2, end_s=QUICK)) as worse:
        rc = main(args(scenario_file, worse.url, *SENDING, "--replications", "3",
                       "--baseline", str(baseline), "--junit", str(junit),
                       "--out-dir", str(tmp_path / "runs")))
    out = capsys.readouterr().out
    assert rc == 1, out
    assert "FAIL drive-cli: fallout.rate < 0.05" in out
    suite = ET.parse(junit).getroot()
    failed = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert {"fallout.rate < 0.05", "fallout.rate no worse than baseline"} <= failed
    summary = json.loads((tmp_path / "runs" / "summary.json").read_text())
    assert summary["replications"] == 3
    assert summary["metrics"]["fallout"]["rate"]["mean"] > 0.2
