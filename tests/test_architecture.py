"""The architecture cannot rot: import contracts, catalog-free om code, pinned API."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import network_model
import om
import sim
from tests.conftest import CATALOG, REPO


def test_import_contracts_hold():
    """lint-imports passes: sim -> om -> network_model, om never imports sim."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([exe], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 kept, 0 broken" in proc.stdout


def test_om_code_names_no_offering_cfs_or_rfs():
    """Decomposition is catalog-driven: no catalog name appears in om's code."""
    catalog = yaml.safe_load(CATALOG.read_text())
    names = [*catalog["product_offerings"], *catalog["customer_facing_services"],
             *catalog["resource_facing_services"]]
    for path in (REPO / "om").rglob("*.py"):
        text = path.read_text()
        for name in names:
            assert name not in text, f"{path.name} names catalog entry {name!r}"


def test_public_surface_is_pinned():
    """Each package's __all__ lists what it exports, and nothing is missing."""
    for module in (network_model, om, sim):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
    assert {"Scenario", "load_scenario", "run_scenario", "RunReport"} <= set(sim.__all__)
