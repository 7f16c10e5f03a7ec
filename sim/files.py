"""The files commands write and the JSON files they read back, checked at the boundary.

Every output path is checked before any simulation starts, so that a typo in ``--out``
costs nothing instead of a whole run; missing parent directories are created when the
output is written. A report, a baseline or a run directory's summary is read with one
error line for every way it can be wrong (missing, a directory, not UTF-8, not JSON, not
a JSON object).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from om.errors import OutputError, ReportError


def default_report_path(scenario_name: str, seed: int) -> Path:
    """Where ``omsim run`` writes its report without ``--out``. The scenario's name is a
    safe file name (the schema says so), so the path stays inside ``reports/``."""
    return Path("reports") / f"{scenario_name}-seed{seed}.json"


def check_output(path: Path, name: str, *, directory: bool = False) -> Path:
    """Check, before any work, that ``path`` can be written: as a file, or with
    ``directory`` as a directory. Missing parent directories are fine (they are created
    when the output is written); an existing one must be a writable directory.
    :class:`OutputError` says ``name`` (the command line: its option, ``--out``), the
    path and the reason."""
    if directory:
        if path.exists() and not path.is_dir():
            raise OutputError(f"{name} {path}: is a file, not a directory")
    elif path.is_dir():
        raise OutputError(f"{name} {path}: is a directory; give a file name")
    start = path if directory else path.parent
    existing = next((p for p in (start, *start.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise OutputError(f"{name} {path}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{name} {path}: directory {existing} is not writable")
    if not directory and path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{name} {path}: the file is not writable")
    return path


def write_text(path: Path, text: str, name: str = "") -> Path:
    """Write ``text`` to ``path``, creating missing parent directories; a failure that
    shows only now (disk full) is still one error line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        where = f"{name} {path}" if name else str(path)
        raise OutputError(f"{where}: cannot write ({exc.strerror or exc})") from None
    return path


def read_json(path: Path, what: str) -> Any:
    """The parsed JSON file ``path`` (a ``what``: "report", "baseline file"); any problem
    raises :class:`ReportError` with one line ``path: reason``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReportError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory, not a {what}") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ReportError(f"{path}: cannot read the {what} ({reason})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                          f"{exc.start}), so not a {what}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON ({exc}), so not a {what}") from None
    except RecursionError:
        raise ReportError(f"{path}: nested too deeply to be a {what}") from None


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """:func:`read_json` for files whose top level must be a JSON object."""
    raw = read_json(path, what)
    if not isinstance(raw, dict):
        raise ReportError(f"{path}: a JSON {_json_type(raw)}, not a {what} (expected an "
                          f"object at the top level)")
    return raw


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")
