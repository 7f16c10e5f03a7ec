"""Every part of sim/ is where a newcomer looks for it: each sub-package and top-level
module has its line in the README's Layout section, is named in sim's own docstring,
and sits in a layer of the import-linter contract (a part outside every layer escapes
the contract's checks)."""

from __future__ import annotations

import re
import tomllib

import pytest

import sim
from tests.conftest import REPO

SIM = REPO / "sim"
PARTS = sorted([p.name for p in SIM.iterdir() if (p / "__init__.py").is_file()]
               + [p.stem for p in SIM.glob("*.py") if p.stem != "__init__"])


def _layout_block() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Layout"):]
    return re.search(r"```\n(.*?)```", section, re.S).group(1)


def _layers() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"]
                    if c.get("containers") == ["sim"])
    return {name.strip("() ") for layer in contract["layers"] for name in layer.split("|")}


@pytest.mark.parametrize("part", PARTS)
def test_every_part_of_sim_is_named(part):
    package = (SIM / part).is_dir()
    assert re.search(rf"(^|\s){part}{'/' if package else '.py'}(\s|$)", _layout_block(),
                     re.M), f"README Layout has no line for sim/{part}"
    assert f"``{part}``" in sim.__doc__, f"sim/__init__.py's docstring does not name {part}"
    assert part in _layers(), f"{part} is in no layer of the sim contract (pyproject.toml)"
