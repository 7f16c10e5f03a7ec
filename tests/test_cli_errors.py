"""Bad input on the command line (issue 10, defects 9 and 10): one error line that names
the file or option, the field and the reason; exit 2; no traceback; and nothing is
simulated before the input and the output paths have been checked."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli import main
from tests.conftest import REPO, small_dict

HOME = "SuperFibre 200 Home"
INF, NAN = float("inf"), float("nan")


@pytest.fixture
def no_simulation(monkeypatch):
    """Every error here must be found before a simulation starts: running one fails."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a simulation ran before the input was checked")
    monkeypatch.setattr("sim.run.harness.run_scenario", refuse)
    monkeypatch.setattr("sim.experiments.replicate.run_jobs", refuse)
    monkeypatch.setattr("sim.experiments.sweep.run_jobs", refuse)


def one_error_line(capsys, rc: int, *fragments: str) -> str:
    """Exit 2 and exactly one line on stderr, ``error: ...``, holding every fragment."""
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert rc == 2, out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def put(raw: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """``raw`` with ``dotted`` set to ``value`` (missing mappings are created)."""
    *keys, last = dotted.split(".")
    node: Any = raw
    for key in keys:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return raw


def network(**size: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(raw: dict[str, Any]) -> dict[str, Any]:
        raw["network"] = {**raw["network"], **size}
        return raw
    return change


def field(dotted: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda raw: put(raw, dotted, value)


# -- defect 9: every number bounded; scenario cross-checked against its catalog ----------

BAD_SCENARIOS = {
    "rate_per_day .inf": (field("arrivals.0.rate_per_day", INF), "arrivals.0.rate_per_day"),
    "rate_per_day 1e12": (field("arrivals.0.rate_per_day", 1e12), "arrivals.0.rate_per_day"),
    "rate_per_day .nan": (field("arrivals.0.rate_per_day", NAN), "arrivals.0.rate_per_day"),
    "orders of a run": (lambda raw: put(put(raw, "arrivals.0.rate_per_day", 900_000),
                                        "duration_days", 30), "arrivals"),
    "at_day after the end": (lambda raw: raw["arrivals"].append(
        {"offering": HOME, "at_day": 7}) or raw, "arrivals.3.at_day"),
    "technicians 0 with installs": (field("workforce.technicians", 0),
                                    "workforce.technicians"),
    "a region without technicians": (lambda raw: put(network(regions=2)(raw),
                                                     "workforce.technicians", 1),
                                     "workforce.technicians"),
    "unserviceable 10,000,000": (network(unserviceable_addresses=10_000_000),
                                 "network.unserviceable_addresses"),
    "homes_per_pon_port 1e9": (network(homes_per_pon_port=10**9),
                               "network.homes_per_pon_port"),
    "32 M addresses": (network(exchanges=400, olts_per_exchange=10, line_cards_per_olt=16,
                               pon_ports_per_line_card=16, bngs=64),
                       "network: the network has 32,768,020 addresses"),
    "S-VLANs of a BNG": (network(exchanges=8, olts_per_exchange=64, line_cards_per_olt=32,
                                 pon_ports_per_line_card=2, bngs=1),
                         "network: BNG01 would terminate 16,384 S-VLANs"),
    "IPv4 space": (network(ipv4_pool_prefix_length=8), "network: the IPv4 pools"),
    "bng sessions": (network(bng_session_capacity=10**12), "network.bng_session_capacity"),
    "phone numbers": (network(phone_numbers=10**12), "network.phone_numbers"),
    "faker locale": (network(locale="xx_XX"), "network.locale"),
    "duration .nan": (field("duration_days", NAN), "duration_days"),
    "install_min .nan": (field("workforce.install_min", NAN), "workforce.install_min"),
    "install_min 1e12": (field("workforce.install_min", 1e12), "workforce.install_min"),
    "exponential mean .inf": (field("elements", {"olt": {"latency_s": {
        "dist": "exponential", "mean": INF}}}), "elements.olt.latency_s"),
    "lognormal sd 1e300": (field("elements", {"olt": {"latency_s": {
        "dist": "lognormal", "mean": 1, "sd": 1e300}}}), "elements.olt.latency_s"),
    "retry timeout .inf": (field("elements", {"olt": {"retry": {"timeout_s": INF}}}),
                           "elements.olt.retry.timeout_s"),
    "fault from .inf": (field("faults", [{"kind": "element_outage", "element": "bng:BNG01",
                                          "from_days": INF}]),
                        "faults.0.element_outage.from_days"),
    "fault after the end": (field("faults", [{"kind": "element_outage",
                                              "element": "bng:BNG01", "from_days": 9}]),
                            "faults.0.from_days"),
    "seed -1": (field("seed", -1), "seed"),
    "seed 2**64": (field("seed", 2**64), "seed"),
    "name ../escaped": (field("name", "../escaped"), "name"),
    "catalog a directory": (field("catalog", "."), "catalog"),
}


@pytest.mark.parametrize("change, names", BAD_SCENARIOS.values(), ids=BAD_SCENARIOS.keys())
def test_out_of_range_scenario_is_one_line_naming_file_and_field(
        change, names, write_yaml, capsys):
    """`omsim validate` rejects a number out of its documented range: file, field, why."""
    path = write_yaml("bad.yaml", change(small_dict()))
    one_error_line(capsys, main(["validate", str(path)]), f"{path}: {names}")


def test_technicians_zero_is_fine_without_install_visits(capsys):
    """The loss-system scenario has no install visit: no technicians is right there."""
    assert main(["validate", str(REPO / "scenarios" / "erlang_b_pon_port.yaml")]) == 0


def test_escaped_name_never_writes_outside_reports(write_yaml, tmp_path, monkeypatch, capsys):
    """A scenario named ../escaped is refused before anything is written."""
    monkeypatch.chdir(tmp_path)
    path = write_yaml("esc.yaml", small_dict(name="../escaped"))
    one_error_line(capsys, main(["run", str(path), "--quiet"]), "name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["esc.yaml"]


# -- defect 10: unreadable files are one line, not a traceback ---------------------------

UNREADABLE = {
    "not UTF-8": ("name: caf\xe9\n".encode("latin-1"), "UTF-8"),
    "binary": (bytes(range(256)) * 4, "UTF-8"),
    "5,000 nested [": (b"[" * 5000, "nested"),
    "5,000 nested {": (b"{a: " * 5000, "nested"),
    "a list": (b"- 1\n- 2\n", "mapping"),
}


@pytest.mark.parametrize("content, reason", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_scenario_file(content, reason, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    one_error_line(capsys, main(["validate", str(path)]), str(path), reason)


def test_unreadable_catalog_names_the_catalog(write_yaml, tmp_path, capsys):
    catalog = tmp_path / "cat.yaml"
    catalog.write_bytes("name: caf\xe9\n".encode("latin-1"))
    path = write_yaml("s.yaml", small_dict(catalog=str(catalog)))
    one_error_line(capsys, main(["validate", str(path)]), str(path), "catalog", "UTF-8")


def test_nested_scenario_end_to_end(tmp_path):
    """The real command in its own process: 5,000 nested brackets, one line, exit 2."""
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 5000)
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(path)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.strip()] == [
        f"error: {path}: nested too deeply (more than 100 levels)"]


# -- command-line numbers and output paths, checked before anything runs -----------------

@pytest.fixture
def ok(write_yaml) -> Path:
    return write_yaml("ok.yaml", small_dict(duration_days=1, warmup_days=0))


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "existing.txt"
    path.write_text("keep me\n")
    return path


def _cli_cases(ok: Path, a_file: Path, tmp_path: Path) -> dict[str, tuple[list[str], tuple]]:
    d = str(tmp_path)
    out = str(tmp_path / "out")
    under_file = str(a_file / "x.json")
    sweep = ["sweep", str(ok), "--replications", "1", "--out", out, "--set"]
    return {
        "run --seed -1": (["run", str(ok), "--seed", "-1"], ("--seed", "-1")),
        "run --seed 2**64": (["run", str(ok), "--seed", str(2**64)], ("--seed",)),
        "replications --seed -1": (["run", str(ok), "--replications", "2", "--seed", "-1"],
                                   ("--seed",)),
        "run --replications 0": (["run", str(ok), "--replications", "0"],
                                 ("--replications", "0")),
        "run --replications -3": (["run", str(ok), "--replications", "-3"],
                                  ("--replications", "-3")),
        "run --replications 10**6": (["run", str(ok), "--replications", "1000000"],
                                     ("--replications",)),
        "run --workers 0": (["run", str(ok), "--replications", "2", "--workers", "0"],
                            ("--workers",)),
        "check --replications 0": (["check", str(ok), "--replications", "0"],
                                   ("--replications",)),
        "baseline --replications 1": (["baseline", str(ok), "--replications", "1", "-o",
                                       out], ("--replications",)),
        "sweep --replications 0": (["sweep", str(ok), "--replications", "0", "--out", out,
                                    "--set", "workforce.technicians=3"],
                                   ("--replications",)),
        "run --out under a file": (["run", str(ok), "--out", under_file],
                                   ("--out", under_file, "not a directory")),
        "run --out a directory": (["run", str(ok), "--out", d], ("--out", d, "directory")),
        "replications --out a directory": (["run", str(ok), "--replications", "2", "--out",
                                            d], ("--out", d)),
        "run --out-dir a file": (["run", str(ok), "--replications", "2", "--out-dir",
                                  str(a_file)], ("--out-dir", str(a_file))),
        "check --junit under a file": (["check", str(ok), "--junit", under_file],
                                       ("--junit", under_file)),
        "check --junit a directory": (["check", str(ok), "--junit", d], ("--junit", d)),
        "baseline -o a directory": (["baseline", str(ok), "-o", d], ("--out", d)),
        "sweep --out a file": (["sweep", str(ok), "--replications", "1", "--out",
                                str(a_file), "--set", "workforce.technicians=3"],
                               ("--out", str(a_file))),
        "sweep --set arrivals.x": ([*sweep, "arrivals.x.rate_per_day=5"],
                                   ("--set", "arrivals.x.rate_per_day", "index")),
        "sweep --set arrivals.9": ([*sweep, "arrivals.9.rate_per_day=5"],
                                   ("--set", "arrivals.9.rate_per_day", "3 entries")),
        "sweep --set arrivals.-1": ([*sweep, "arrivals.-1.rate_per_day=5"],
                                    ("--set", "arrivals.-1.rate_per_day")),
        "sweep --set name.x": ([*sweep, "name.x=1"], ("--set", "name.x", "not a mapping")),
        "sweep --set value out of range": ([*sweep, "workforce.technicians=3,-1"],
                                           ("workforce.technicians",)),
    }


CLI_CASES = list(_cli_cases(Path("ok"), Path("f"), Path("t")))


@pytest.mark.parametrize("case", CLI_CASES)
def test_bad_command_line_is_one_line_before_any_run(case, ok, a_file, tmp_path, capsys,
                                                     no_simulation):
    argv, fragments = _cli_cases(ok, a_file, tmp_path)[case]
    one_error_line(capsys, main(argv), *fragments)
    assert a_file.read_text() == "keep me\n"  # nothing overwritten


def test_missing_output_directories_are_created(ok, tmp_path):
    """--out into a directory that does not exist yet creates it (documented)."""
    out = tmp_path / "new" / "dir" / "r.json"
    assert main(["run", str(ok), "--quiet", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["scenario"] == "small"


def test_out_checked_before_the_simulation_end_to_end(ok, tmp_path):
    """`omsim run --out DIR` fails at once, in its own process, without a traceback."""
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(ok), "--out",
                           str(tmp_path)], capture_output=True, text=True, cwd=REPO,
                          timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.strip()] == [
        f"error: --out {tmp_path}: is a directory; give a file name"]


# -- report -o, trace and impact on files that are not what they should be --------------

@pytest.fixture
def run_dir(tmp_path) -> Path:
    """The shape of a run directory (contents are not rendered: -o fails first)."""
    path = tmp_path / "run"
    (path / "replications").mkdir(parents=True)
    (path / "summary.json").write_text(json.dumps({"scenario": "small"}))
    (path / "replications" / "000.json").write_text(json.dumps({"scenario": "small"}))
    return path


def test_report_output_under_a_file(run_dir, a_file, capsys):
    one_error_line(capsys, main(["report", str(run_dir), "-o", str(a_file / "r.html")]),
                   "--out", str(a_file / "r.html"))


def test_report_output_onto_a_directory(run_dir, tmp_path, capsys):
    one_error_line(capsys, main(["report", str(run_dir), "-o", str(tmp_path)]),
                   "--out", str(tmp_path))


@pytest.mark.parametrize("content, reason", [
    (b"[1, 2]", "list"), (b'{"a":', "JSON"), ("caf\xe9".encode("latin-1"), "UTF-8")],
    ids=["a list", "corrupt", "not UTF-8"])
def test_report_of_a_bad_run_directory(run_dir, tmp_path, content, reason, capsys):
    (run_dir / "summary.json").write_bytes(content)
    one_error_line(capsys, main(["report", str(run_dir), "-o", str(tmp_path / "r.html")]),
                   str(run_dir / "summary.json"), reason)


BAD_REPORTS = {
    "a JSON list": (b"[1, 2]", "list"),
    "corrupt": (b'{"trace": {', "not valid JSON"),
    "not UTF-8": ("{\"a\": \"caf\xe9\"}".encode("latin-1"), "UTF-8"),
    "binary": (bytes(range(256)), "UTF-8"),
    "trace is a list": (b'{"trace": [], "inventory": []}', "trace"),
}


@pytest.mark.parametrize("command", [["trace", "PO-000001"], ["impact", "EX01-OLT01"]])
@pytest.mark.parametrize("content, reason", BAD_REPORTS.values(), ids=BAD_REPORTS.keys())
def test_trace_and_impact_on_a_bad_report(command, content, reason, tmp_path, capsys):
    path = tmp_path / "report.json"
    path.write_bytes(content)
    if command[0] == "impact" and reason == "trace":
        reason = "inventory"
    one_error_line(capsys, main([*command, "--report", str(path)]), str(path), reason)


@pytest.mark.parametrize("command", [["trace", "PO-000001"], ["impact", "EX01-OLT01"]])
def test_trace_and_impact_on_a_directory_or_nothing(command, tmp_path, capsys):
    one_error_line(capsys, main([*command, "--report", str(tmp_path)]), str(tmp_path),
                   "directory")
    one_error_line(capsys, main([*command, "--report", str(tmp_path / "nope.json")]),
                   "not found")


@pytest.fixture(scope="module")
def traced_report(tmp_path_factory) -> Path:
    """A real one-day traced run of the small scenario, written as omsim run does."""
    path = tmp_path_factory.mktemp("traced") / "report.json"
    scenario = tmp_path_factory.mktemp("scenario") / "small.yaml"
    scenario.write_text(yaml.safe_dump(small_dict(duration_days=1, warmup_days=0)))
    assert main(["run", str(scenario), "--trace", "--quiet", "--out", str(path)]) == 0
    return path


@pytest.mark.parametrize("element, fragments", [
    ("NOPE", ("no element 'NOPE'", "EX01", "BNG01", "EX01-OLT01")),
    ("EX01-OLT01/9/9", ("no element 'EX01-OLT01/9/9'", "1/1 .. 2/4")),
    ("EX01--BNG09", ("no link 'EX01--BNG09'", "EX01--BNG01")),
    ("olt:EX09-OLT01", ("no element 'olt:EX09-OLT01'",)),
])
def test_impact_on_an_element_that_does_not_exist(element, fragments, traced_report, capsys):
    """An unknown element is an error that shows names that do exist, not '0 products'."""
    one_error_line(capsys, main(["impact", element, "--report", str(traced_report)]),
                   str(traced_report), *fragments)


@pytest.mark.parametrize("element", ["EX01-OLT01", "EX02-OLT01/2/4", "BNG02",
                                     "EX01--BNG01", "EX02-OLT01--EX02", "bng:BNG01"])
def test_impact_on_an_element_that_exists(element, traced_report, capsys):
    """Every kind of element impact accepts is found, with or without products."""
    assert main(["impact", element, "--report", str(traced_report)]) == 0
    assert "depend on it" in capsys.readouterr().out
