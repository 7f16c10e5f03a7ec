"""``Idempotency-Key`` on POST productOrder and POST cancelProductOrder: a client that
retries after a dropped connection gets what its first attempt created, not a second one.

A key names one request: the same key with the same body (compared by a fingerprint of
its canonical JSON) answers with what was created; with another body it is a conflict.
A key is remembered only when the POST created something (201), in the same transaction
as what it created, so it survives a crash between the commit and the reply. Keys are
kept for the life of the database.

The clock thread decides, so two attempts racing each other are told apart by arrival
order. Keys of ticks not yet committed are held in memory; older ones are read from the
database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 255


def key_problem(key: str) -> str | None:
    """Why ``key`` (the header's value) cannot be used, or None."""
    if not key or len(key) > MAX_KEY_CHARS:
        return f"{HEADER}: 1 to {MAX_KEY_CHARS} characters, got {len(key)}"
    if not (key.isascii() and key.isprintable()):
        return f"{HEADER}: printable ASCII characters only"
    return None


def fingerprint(kind: str, body: dict[str, Any]) -> str:
    """The same for the same request whatever the key order and spacing of its JSON."""
    canonical = json.dumps([kind, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyKeys:
    """What each key created: ``lookup`` reads the committed ones (from the database);
    :meth:`remember` holds new ones until :meth:`committed` says their tick is on disk."""

    def __init__(self, lookup: Callable[[str], tuple[str, str, str] | None]) -> None:
        self._lookup = lookup
        self._pending: dict[str, tuple[int, tuple[str, str, str]]] = {}

    def find(self, key: str) -> tuple[str, str, str] | None:
        """(fingerprint, collection, id) for ``key``, or None when it is new."""
        pending = self._pending.get(key)
        return pending[1] if pending is not None else self._lookup(key)

    def remember(self, tick: int, key: str, seen: tuple[str, str, str]) -> None:
        self._pending[key] = (tick, seen)

    def committed(self, tick: int) -> None:
        """Ticks up to ``tick`` are on disk: their keys are found there from now on."""
        if self._pending:
            self._pending = {k: v for k, v in self._pending.items() if v[0] > tick}
