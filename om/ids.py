"""Deterministic identifiers: one counter per prefix, owned by one run (never global)."""

from __future__ import annotations


class IdSource:
    """Hands out ``PREFIX-000001``, ``PREFIX-000002``, ... for one kind of record."""

    __slots__ = ("prefix", "_next")

    def __init__(self, prefix: str, start: int = 1) -> None:
        self.prefix = prefix
        self._next = start

    def __call__(self) -> str:
        n = self._next
        self._next = n + 1
        return f"{self.prefix}-{n:06d}"
