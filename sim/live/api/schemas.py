"""Request bodies against the TMF schemas the API serves (jsonschema, with the two
formats TMF bodies use checked too: a client that sends "" as a date-time or a URI gets
a 400 rather than an echo of it). Problems name the field as a JSON path."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

import jsonschema

from om.tmf_specs import schema_validator
from sim.live.api.errors import ApiError

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


@functools.cache
def _validator(api: str, definition: str) -> Any:
    return schema_validator(api, definition).evolve(format_checker=_FORMATS)


def schema_problems(api: str, definition: str, body: dict[str, Any]) -> list[str]:
    """Every way ``body`` breaks ``definition`` of ``api``, as ``path: message``."""
    try:
        errors = sorted(_validator(api, definition).iter_errors(body),
                        key=lambda e: (e.json_path, e.message))
    except RecursionError:
        return ["body: nested too deeply"]
    # "$.productOrderItem[0].action" -> "productOrderItem[0].action"
    return [f"{e.json_path.removeprefix('$.')}: {e.message}" for e in errors]


def check(api: str, definition: str, body: dict[str, Any]) -> None:
    """ApiError 400 listing the first ten problems of ``body``, if any."""
    problems = schema_problems(api, definition, body)
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ApiError(400, "; ".join(problems[:10]) + more)
