"""Reading the YAML files people write (catalogs, scenarios) at the boundary.

Every way such a file can be unreadable (missing, a directory, not UTF-8, binary, too
big, not YAML, nested beyond reason) becomes one error line naming the file and what is
wrong, of the error class the caller chooses; never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from om.errors import OmsimError

MAX_BYTES = 16 * 1024 * 1024  # far above any real catalog or scenario; stops /dev/zero
MAX_DEPTH = 100  # a scenario nests about 5 levels; PyYAML's recursion dies near 1,000


class _TooDeep(Exception):
    pass


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested deeper than :data:`MAX_DEPTH`.

    PyYAML composes nodes recursively, so 5,000 nested ``[`` exhaust Python's stack; the
    depth is counted where the recursion happens and refused long before that.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_yaml(path: Path, what: str, error: type[OmsimError]) -> Any:
    """The parsed content of the YAML file ``path`` (a ``what`` file: "scenario",
    "catalog"); any problem raises ``error`` with one line ``path: reason``."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise error(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {what} file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or exc
        raise error(f"{path}: cannot read the {what} file ({reason})") from None
    if len(data) > MAX_BYTES:
        raise error(f"{path}: larger than {MAX_BYTES // 2**20} MiB; not a {what} file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start}); a {what} file is YAML saved as UTF-8") from None
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader
    except (_TooDeep, RecursionError):
        raise error(f"{path}: nested too deeply (more than {MAX_DEPTH} levels)") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({_one_line(exc)})") from None


def _one_line(exc: yaml.YAMLError) -> str:
    """PyYAML's message without its multi-line source excerpt."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        return f"{where}{exc.problem}" + (f" ({exc.context})" if exc.context else "")
    return " ".join(str(exc).split())
