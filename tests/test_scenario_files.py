"""Scenario and catalog files: clear errors for bad input, and catalog-only offerings."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
import yaml

from om import CatalogError, ScenarioError, load_catalog
from sim.cli import main
from sim.run.harness import run_scenario
from sim.scenario.load import load_scenario
from tests.conftest import CATALOG, REPO, SCENARIOS, small_dict


def test_shipped_scenarios_validate():
    """Every scenario under scenarios/ loads with its catalog."""
    files = sorted(p for p in SCENARIOS.glob("*.yaml") if not p.name.startswith("catalog"))
    assert files
    for path in files:
        load_scenario(path)


def test_benchmark_workloads_validate(monkeypatch):
    """The scenario bounds admit every benchmark workload, up to the opt-in 1 M orders."""
    spec = importlib.util.spec_from_file_location("workloads",
                                                  REPO / "benchmarks" / "workloads.py")
    workloads = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "workloads", workloads)  # its dataclasses look it up
    spec.loader.exec_module(workloads)
    for orders in (5_556, 10_000, 55_560, 100_000, 1_000_000):
        workloads.scaled_scenario(orders)
        workloads.in_flight_scenario(orders)
    workloads.erlang_c_scenario(arrivals_per_hour=8.0, technicians=10, install_min=60.0,
                                days=100)
    load_scenario(REPO / "benchmarks" / "live_load.yaml")


def test_bad_field_names_file_field_and_reason(write_yaml):
    """A negative rate is reported with the file, the field path and the reason."""
    raw = small_dict()
    raw["arrivals"][0]["rate_per_day"] = -3
    path = write_yaml("north.yaml", raw)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert f"{path}: arrivals.0.rate_per_day: Input should be greater than 0" in str(err.value)


def test_unknown_field_is_an_error(write_yaml):
    """A misspelt key is not silently ignored."""
    raw = small_dict(duraton_days=4)
    with pytest.raises(ScenarioError, match="duraton_days: Extra inputs are not permitted"):
        load_scenario(write_yaml("typo.yaml", raw))


def test_unknown_offering_names_the_catalog(write_yaml):
    """An arrival for an offering the catalog lacks names the offering and what exists."""
    raw = small_dict()
    raw["arrivals"][0]["offering"] = "Fibre 9000"
    with pytest.raises(ScenarioError, match=r"arrivals\.0\.offering: 'Fibre 9000' is not in"):
        load_scenario(write_yaml("x.yaml", raw))


def test_not_yaml_and_missing_file(tmp_path):
    """Broken YAML and a missing file are both one-line errors naming the file."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match="bad.yaml: not valid YAML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="nope.yaml: scenario file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_cli_reports_bad_scenario_without_traceback(write_yaml):
    """`omsim validate` on a bad file exits 2 with one readable paragraph."""
    raw = small_dict(duration_days="soon")
    path = write_yaml("bad.yaml", raw)
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(path)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "duration_days" in proc.stderr and "bad.yaml" in proc.stderr


def test_cli_run_writes_json(write_yaml, tmp_path, capsys):
    """`omsim run` prints a summary and writes the JSON report where asked."""
    path = write_yaml("s.yaml", small_dict(duration_days=3))
    out = tmp_path / "r.json"
    assert main(["run", str(path), "--out", str(out)]) == 0
    assert "Product orders" in capsys.readouterr().out
    assert yaml.safe_load(out.read_text())["scenario"] == "small"


def _catalog_with(extra_offerings: dict, extra_cfs: dict | None = None,
                  extra_rfs: dict | None = None) -> dict:
    raw = yaml.safe_load(CATALOG.read_text())
    raw["product_offerings"].update(extra_offerings)
    raw["customer_facing_services"].update(extra_cfs or {})
    raw["resource_facing_services"].update(extra_rfs or {})
    return raw


def test_new_offering_from_catalog_alone_is_ordered_end_to_end(write_yaml):
    """A product added only in a catalog file (new CFS, new RFS) orders end to end."""
    catalog = _catalog_with(
        {"SuperFibre 900 + IPTV": {"segment": "b2c", "cfs": ["CFS_InternetAccess", "CFS_Iptv"],
                                   "characteristics": {"downstream_mbps": 900}}},
        {"CFS_Iptv": {"requires": ["CFS_InternetAccess"], "rfs": ["RFS_IptvEntitlement"]}},
        {"RFS_IptvEntitlement": {"element": "iptv_headend"}})
    catalog_path = write_yaml("catalog-tv.yaml", catalog)
    raw = small_dict(catalog=str(catalog_path),
                     arrivals=[{"offering": "SuperFibre 900 + IPTV", "rate_per_day": 20}])
    report = run_scenario(load_scenario(write_yaml("tv.yaml", raw))).data
    assert report["orders"]["completed"] > 20
    assert report["fallout"]["by_offering"]["SuperFibre 900 + IPTV"]["submitted"] > 20
    assert report["layers"]["service_orders"]["completed"] == report["orders"]["completed"]


@pytest.mark.parametrize("change, message", [
    ({"customer_facing_services": {
        "CFS_Voice": {"requires": ["CFS_Nope"], "rfs": ["RFS_VoiceLine"]}}},
     "customer_facing_services.CFS_Voice.requires.0: unknown CFS 'CFS_Nope'"),
    ({"customer_facing_services": {
        "CFS_InternetAccess": {"requires": ["CFS_Voice"], "rfs": ["RFS_GponAccess"]}}},
     "cyclic requires"),
    ({"resource_facing_services": {"RFS_VoiceLine": {"element": "x", "resources": ["gold"]}}},
     "resource_facing_services.RFS_VoiceLine.resources.0"),
])
def test_bad_catalog_errors_name_the_field(write_yaml, change, message):
    """Catalog mistakes are caught at load, naming the field."""
    raw = yaml.safe_load(CATALOG.read_text())
    for section, entries in change.items():
        raw[section].update(entries)
    with pytest.raises(CatalogError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_catalog(write_yaml("cat.yaml", raw))
