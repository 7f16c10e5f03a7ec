"""What one request body may hold, checked at the door (before anything is queued) so
that no single order can take megabytes of memory and disk or trip a parser later.

| limit | value | answer |
|---|---|---|
| one string (value or member name): ``description``, ``note.0.text`` | 4,000 chars | 413 |
| the attributes of a request other than ``productOrderItem``, as JSON | 64 KiB | 413 |
| one ``productOrderItem``, as JSON | 16 KiB | 413 |
| nesting of arrays and objects | 32 levels | 400 |
| numbers | finite (no ``NaN``, ``Infinity``, ``1e999``) | 400 |
| strings | valid Unicode (no lone surrogates such as ``"\\ud800"``) | 400 |

The whole body (8 MiB) and the number of items (5,000) are limited by
:class:`sim.live.api.app.ApiSettings`. Errors name the field as a dotted path
(``productOrderItem.3.product.place.0.id``).
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_TEXT_CHARS = 4000
MAX_ATTRIBUTES_BYTES = 64 * 1024
MAX_ITEM_BYTES = 16 * 1024
MAX_DEPTH = 32
ITEMS = "productOrderItem"


def body_problem(body: dict[str, Any], raw_bytes: int) -> tuple[int, str] | None:
    """(status, message) for the first limit ``body`` breaks, or None. ``raw_bytes`` is
    the size it arrived in (small bodies skip the size checks)."""
    problem = _walk(body)
    if problem is not None or raw_bytes <= MAX_ITEM_BYTES:
        return problem
    problem = attributes_problem(body)
    if problem:
        return 413, problem
    items = body.get(ITEMS)
    for n, item in enumerate(items if isinstance(items, list) else ()):
        size = _json_bytes(item)
        if size > MAX_ITEM_BYTES:
            return 413, (f"{ITEMS}.{n}: {size:,} bytes of JSON, more than the limit of "
                         f"{MAX_ITEM_BYTES // 1024} KiB")
    return None


def attributes_problem(body: dict[str, Any]) -> str | None:
    """Why the attributes of ``body`` other than its items are too large together (also
    checked on an order's attributes after a PATCH), or None."""
    size = _json_bytes({k: v for k, v in body.items() if k != ITEMS})
    if size > MAX_ATTRIBUTES_BYTES:
        return (f"body: the attributes other than {ITEMS} take {size:,} bytes of JSON, "
                f"more than the limit of {MAX_ATTRIBUTES_BYTES // 1024} KiB")
    return None


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _walk(body: dict[str, Any]) -> tuple[int, str] | None:
    # Iterative, so that depth is checked before any recursion could fail.
    stack: list[tuple[Any, tuple[Any, ...]]] = [(body, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                return problem[0], f"{_where(path)}: {problem[1]}"
        elif isinstance(value, float) and not math.isfinite(value):
            return 400, f"{_where(path)}: not a finite number"
        elif isinstance(value, dict | list):
            if len(path) >= MAX_DEPTH:
                return 400, f"{_where(path[:4])}: nested deeper than {MAX_DEPTH} levels"
            if isinstance(value, dict):
                for key, member in value.items():
                    problem = _text_problem(key)
                    if problem:
                        return problem[0], f"{_where(path)}: member name {problem[1]}"
                    stack.append((member, (*path, key)))
            else:
                stack.extend((member, (*path, n)) for n, member in enumerate(value))
    return None


def _text_problem(text: str) -> tuple[int, str] | None:
    if len(text) > MAX_TEXT_CHARS:
        return 413, f"{len(text):,} characters, more than the limit of {MAX_TEXT_CHARS:,}"
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            return 400, "not valid Unicode (a lone surrogate)"
    return None


def _where(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "body"
