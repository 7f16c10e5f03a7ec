"""Where drive orders new lines: the service addresses of the scenario's own network
(the same list, in the same order, as a batch run and ``omsim serve`` of that scenario
have, so the same random draws pick the same addresses), or those of an
``--addresses`` file, for a target with an address database of its own.

The file is a text file with one address id per line (blank lines and ``#`` comments
ignored), or JSON: a list of ids, or of objects with an ``id`` (what
``GET /omsim/addresses`` answers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from network_model import generate_network
from om.errors import UsageError
from sim.scenario.schema import Scenario

MAX_ADDRESS_FILE_BYTES = 256 * 1024 * 1024
MAX_ID_CHARS = 256


def scenario_addresses(scenario: Scenario, seed: int) -> list[str]:
    """The address ids of the scenario's network for ``seed``."""
    network = generate_network(scenario.network, seed, scenario.workforce)
    return [a.id for a in network.addresses]


def read_addresses(path: Path) -> list[str]:
    """The address ids in ``path``; UsageError naming the file (and line) if unusable."""
    name = f"--addresses {path}"
    try:
        if path.stat().st_size > MAX_ADDRESS_FILE_BYTES:
            raise UsageError(f"{name}: larger than {MAX_ADDRESS_FILE_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: is a directory") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read ({exc.strerror or exc})") from None
    stripped = text.lstrip()
    ids = _from_json(stripped, name) if stripped[:1] in ("[", "{") else _from_lines(text, name)
    if not ids:
        raise UsageError(f"{name}: no address ids in it")
    return ids


def _from_lines(text: str, name: str) -> list[str]:
    ids = []
    for n, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if value:
            ids.append(_checked(value, f"{name}: line {n}"))
    return ids


def _from_json(text: str, name: str) -> list[str]:
    try:
        raw: Any = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{name}: not valid JSON ({exc})") from None
    if not isinstance(raw, list):
        raise UsageError(f"{name}: a JSON file must hold a list of address ids or of "
                         f"objects with an 'id'")
    ids = []
    for n, entry in enumerate(raw):
        value = entry.get("id") if isinstance(entry, dict) else entry
        if not isinstance(value, str):
            raise UsageError(f"{name}: entry {n}: expected an id (a string) or an object "
                             f"with one")
        ids.append(_checked(value, f"{name}: entry {n}"))
    return ids


def _checked(value: str, where: str) -> str:
    if len(value) > MAX_ID_CHARS or not value.isprintable():
        raise UsageError(f"{where}: not an address id (printable, at most {MAX_ID_CHARS} "
                         f"characters)")
    return value
