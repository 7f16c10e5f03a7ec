"""Small rooms stay small: no function outside the tests is longer than 50 lines or has
a cyclomatic complexity above 12 (ruff's mccabe rule C901), across the whole code base."""

from __future__ import annotations

import ast
import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("network_model", "om", "sim", "benchmarks")
MAX_LINES = 50
MAX_COMPLEXITY = 12

def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py"))


@functools.cache
def _long_functions() -> dict[str, list[str]]:
    """Per file (relative path), ``name (n lines)`` of each function over MAX_LINES."""
    out: dict[str, list[str]] = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines > MAX_LINES:
                    out.setdefault(path.relative_to(REPO).as_posix(), []).append(
                        f"{node.name} ({lines} lines)")
    return out


@functools.cache
def _complex_functions() -> dict[str, list[str]]:
    """Per file, ruff's C901 message for each function over MAX_COMPLEXITY."""
    exe = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    proc = subprocess.run(
        [exe, "check", "--no-cache", "--select", "C901", "--output-format", "json",
         "--config", f"lint.mccabe.max-complexity={MAX_COMPLEXITY}", *PACKAGES],
        capture_output=True, text=True, cwd=REPO)
    assert proc.returncode in (0, 1), proc.stderr
    out: dict[str, list[str]] = {}
    for finding in json.loads(proc.stdout):
        where = Path(finding["filename"]).resolve().relative_to(REPO).as_posix()
        out.setdefault(where, []).append(finding["message"])
    return out


def test_no_function_is_longer_than_50_lines():
    """A function that does not fit on a screen has a second job to give away."""
    found = _long_functions()
    assert not found, found


def test_no_function_is_more_complex_than_12():
    """Cyclomatic complexity above 12 means too many paths to test one by one."""
    found = _complex_functions()
    assert not found, found
