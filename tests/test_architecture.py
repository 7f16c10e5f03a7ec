"""The architecture cannot rot: import contracts (layers between the packages and inside
sim), no import cycles, catalog-free om code, a catalog free of runtime code, a pinned
public API."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import types
from pathlib import Path

import grimp
import networkx as nx
import pytest
import yaml

import network_model
import om
import sim
from tests.conftest import CATALOG, REPO


def test_import_contracts_hold():
    """lint-imports passes: sim -> om -> network_model, om never imports sim, and sim's
    own layers (cli, live, report, experiments, run, measure/traffic, elements,
    scenario, utilities) and live's (serve, api, service, its parts) import only
    downwards."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([exe], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 kept, 0 broken" in proc.stdout


def test_no_import_cycles():
    """No module imports itself back through others, anywhere in network_model, om and
    sim, counting imports made only for type checking and those inside functions: two
    modules in a cycle cannot be read, tested or moved apart."""
    graph = grimp.build_graph("network_model", "om", "sim", cache_dir=None)
    # grimp sees imports under `if TYPE_CHECKING:` (this one is nothing else).
    assert "om.fallout" in graph.find_modules_directly_imported_by("om.errors")
    imports = nx.DiGraph((module, imported) for module in graph.modules
                         for imported in graph.find_modules_directly_imported_by(module))
    cycles = [sorted(group) for group in nx.strongly_connected_components(imports)
              if len(group) > 1]
    assert not cycles, cycles


def test_om_code_names_no_offering_cfs_or_rfs():
    """Decomposition is catalog-driven: no catalog name appears in om's code."""
    catalog = yaml.safe_load(CATALOG.read_text())
    names = [*catalog["product_offerings"], *catalog["customer_facing_services"],
             *catalog["resource_facing_services"]]
    for path in (REPO / "om").rglob("*.py"):
        text = path.read_text()
        for name in names:
            assert name not in text, f"{path.name} names catalog entry {name!r}"


# The public surface of each package, pinned (as httpx pins its exported members): a
# name added to or dropped from an __init__ is an API change, made here on purpose.
PUBLIC = {
    network_model: {"Address", "BngSpec", "ExchangeSpec", "Network", "NetworkSize", "OltSpec",
                    "PonPort", "PoolExhausted", "PoolKind", "ResourcePool", "Roster",
                    "TechnicianSpec", "generate_network"},
    om: {"Action", "Amendment", "AmendmentDecided", "ApprovalDecided", "ApproverPool",
         "BillingStarted", "Cancellation", "CancellationDecided", "Catalog", "CatalogError",
         "EventBus", "FakeSouthbound", "FalloutCause", "FalloutRaised", "IllegalTransition",
         "JeopardyMonitor", "JeopardyRaised", "Layer", "OmsimError", "OrderManager",
         "ProductOrder", "ProductOrderItem", "ResourceOrder", "ResourceOrderItem",
         "ScenarioError", "ServiceOrder", "ServiceOrderItem", "SlaBreached", "Southbound",
         "SouthboundError", "State", "StateChanged", "load_catalog"},
    sim: {"RunReport", "Scenario", "build_run", "load_scenario", "run_scenario"},
}


@pytest.mark.parametrize("module", PUBLIC, ids=lambda m: m.__name__)
def test_public_surface_is_pinned(module):
    """__all__ is exactly the pinned list, each name exists, and nothing else public is
    imported into the package (submodules aside)."""
    assert sorted(module.__all__) == sorted(PUBLIC[module])
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), f"{module.__name__}.{name}"
    public = {n for n, v in vars(module).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public == set(module.__all__), public ^ set(module.__all__)


def _runtime_imports(tree: ast.Module) -> list[str]:
    """The modules a module imports when it runs (``if TYPE_CHECKING:`` blocks aside)."""
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
            and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
            for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
    return out


def _om_imports(module: str) -> set[str]:
    """Every module ``module`` imports when it runs, transitively within om."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = REPO / (name.replace(".", "/") + ".py")
        if not path.exists():
            path = REPO / name.replace(".", "/") / "__init__.py"
        for imported in _runtime_imports(ast.parse(path.read_text())):
            if imported.startswith("om."):
                todo.append(imported)
            else:
                seen.add(imported)
    return seen


def test_catalog_imports_no_runtime_code():
    """The catalog is design-time data: it imports neither SimPy nor the order manager's
    running parts (approver pools, the layers, fallout handling)."""
    imported = _om_imports("om.catalog")
    assert "simpy" not in imported
    runtime = {"om.approvals", "om.desk", "om.com", "om.som", "om.rom", "om.fallout",
               "om.manager", "om.jeopardy", "om.events", "om.transitions"}
    assert not imported & runtime, imported & runtime
