"""The live service's SQLite database (stdlib ``sqlite3``, WAL): what survives a crash.

Three things live here:

- ``command``: the log of every request that changed the simulation (create, amend,
  delete, cancel), with the clock tick it was applied at. Replaying it against the same
  scenario and seed rebuilds the exact in-memory state, in-flight SimPy processes
  included, which cannot be pickled.
- ``document``: the read model the API serves, one TMF JSON document per product order,
  cancel request, service order, resource order, product, service and resource.
- ``allocation``: one row per pool slot held, keyed by (pool, slot), so the database
  itself refuses a slot allocated twice; after a replay the in-memory inventory must
  match it exactly.

One writer (the live service's writer thread) commits ticks with ``synchronous=FULL``,
several in one transaction when they queue up: an order is on disk before its 201 is
sent. Readers open their own connections.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from om import OmsimError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS command (
    seq INTEGER PRIMARY KEY, tick INTEGER NOT NULL, kind TEXT NOT NULL,
    target TEXT NOT NULL, body TEXT NOT NULL, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS document (
    collection TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL,
    order_id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (collection, id));
CREATE INDEX IF NOT EXISTS document_state ON document (collection, state);
CREATE INDEX IF NOT EXISTS document_order ON document (collection, order_id);
CREATE TABLE IF NOT EXISTS allocation (
    resource_id TEXT PRIMARY KEY, pool TEXT NOT NULL, slot INTEGER NOT NULL,
    UNIQUE (pool, slot));
CREATE TABLE IF NOT EXISTS hub (id TEXT PRIMARY KEY, callback TEXT NOT NULL,
    query TEXT NOT NULL);
"""

# Filters on these attributes use the indexed columns; any other attribute is looked up
# in the JSON body (a scalar path, or one level into an array: productOrderItem.state).
_COLUMNS = {"id": "id", "state": "state"}
_ATTRIBUTE = re.compile(r"^[A-Za-z@][A-Za-z0-9_@]*(\.[A-Za-z@][A-Za-z0-9_@]*)*$")


@dataclass(frozen=True, slots=True)
class Document:
    """One TMF resource as the API serves it."""

    collection: str
    id: str
    state: str
    order_id: str  # the product order it belongs to ("" when none)
    body: str  # JSON text


@dataclass(frozen=True, slots=True)
class Command:
    """A logged request that changed the simulation."""

    seq: int
    tick: int
    kind: str
    target: str
    body: dict[str, Any]
    result: str


@dataclass(slots=True)
class Tick:
    """Everything one clock tick writes, committed together."""

    tick: int
    commands: list[tuple[str, str, str, str]]  # kind, target, body JSON, result
    documents: list[Document]
    deleted: list[tuple[str, str]]  # (collection, id)
    allocated: list[tuple[str, str, int]]  # (resource id, pool, slot)
    released: list[str]  # resource ids
    hubs_added: list[tuple[str, str, str]]
    hubs_removed: list[str]

    @classmethod
    def empty(cls, tick: int) -> Tick:
        return cls(tick, [], [], [], [], [], [], [])

    def __bool__(self) -> bool:
        return bool(self.commands or self.documents or self.deleted or self.allocated
                    or self.released or self.hubs_added or self.hubs_removed)


class StoreError(OmsimError):
    """The database cannot be used (not ours, or made for another scenario)."""


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


class Store:
    """The writer side: schema, metadata, the command log and per-tick commits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = connect(path)
            self._conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not an omsim database ({exc})") from None

    def close(self) -> None:
        self._conn.close()

    # -- metadata -----------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self._conn.execute("SELECT key, value FROM meta"))

    def set_meta(self, values: Mapping[str, str]) -> None:
        with _transaction(self._conn):
            self._conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                   list(values.items()))

    # -- the command log ----------------------------------------------------------------
    def commands(self) -> list[Command]:
        rows = self._conn.execute(
            "SELECT seq, tick, kind, target, body, result FROM command ORDER BY seq")
        return [Command(s, t, k, g, json.loads(b), r) for s, t, k, g, b, r in rows]

    def hubs(self) -> list[tuple[str, str, str]]:
        return list(self._conn.execute("SELECT id, callback, query FROM hub ORDER BY id"))

    def allocations(self) -> set[tuple[str, str, int]]:
        return set(self._conn.execute("SELECT resource_id, pool, slot FROM allocation"))

    def document_states(self, collection: str) -> dict[str, str]:
        return dict(self._conn.execute(
            "SELECT id, state FROM document WHERE collection = ?", (collection,)))

    def write(self, ticks: list[Tick]) -> None:
        """Commit ticks, oldest first, in one transaction (a group commit): the clock,
        commands, documents and allocations of each, atomically."""
        with _transaction(self._conn):
            for tick in ticks:
                self._write_one(tick)

    def _write_one(self, tick: Tick) -> None:
        c = self._conn
        c.execute("INSERT OR REPLACE INTO meta VALUES ('tick', ?)", (str(tick.tick),))
        c.executemany("INSERT INTO command (tick, kind, target, body, result) "
                      "VALUES (?, ?, ?, ?, ?)",
                      [(tick.tick, *cmd) for cmd in tick.commands])
        # Releases first: a slot freed and handed out again within one tick is a
        # delete then an insert, never two holders.
        c.executemany("DELETE FROM allocation WHERE resource_id = ?",
                      [(r,) for r in tick.released])
        c.executemany("DELETE FROM document WHERE collection = 'resource' AND id = ?",
                      [(r,) for r in tick.released])
        c.executemany("INSERT INTO allocation VALUES (?, ?, ?)", tick.allocated)
        c.executemany("DELETE FROM document WHERE collection = ? AND id = ?",
                      tick.deleted)
        c.executemany(
            "INSERT INTO document VALUES (?, ?, ?, ?, ?) ON CONFLICT (collection, id) "
            "DO UPDATE SET state = excluded.state, body = excluded.body",
            [(d.collection, d.id, d.state, d.order_id, d.body) for d in tick.documents])
        c.executemany("INSERT OR REPLACE INTO hub VALUES (?, ?, ?)", tick.hubs_added)
        c.executemany("DELETE FROM hub WHERE id = ?", [(h,) for h in tick.hubs_removed])


class _transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


class Reader:
    """The read side the API uses: documents by id and filtered, paginated lists."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path)

    def close(self) -> None:
        self._conn.close()

    def get(self, collection: str, id: str) -> str | None:
        row = self._conn.execute("SELECT body FROM document WHERE collection = ? AND id = ?",
                                 (collection, id)).fetchone()
        return None if row is None else row[0]

    def hub_exists(self, id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM hub WHERE id = ?", (id,)).fetchone() is not None

    def list(self, collection: str, filters: Iterable[tuple[str, str]], offset: int,
             limit: int) -> tuple[int, list[str]]:
        """(total matching, bodies of the requested page), oldest first.

        ``filters`` are (attribute, value) pairs combined with AND; an attribute that is
        not a plain dotted name matches nothing.
        """
        where, params = ["collection = ?"], [collection]
        for attribute, value in filters:
            if not _ATTRIBUTE.match(attribute):
                return 0, []
            if attribute in _COLUMNS:
                where.append(f"{_COLUMNS[attribute]} = ?")
                params.append(value)
                continue
            head, _, rest = attribute.partition(".")
            clause = "CAST(json_extract(body, ?) AS TEXT) = ?"
            params += [f"$.{attribute}", _json_text(value)]
            if rest:  # one level into an array: any element matches
                clause = (f"({clause} OR EXISTS (SELECT 1 FROM json_each(body, ?) "
                          f"WHERE CAST(json_extract(value, ?) AS TEXT) = ?))")
                params += [f"$.{head}", f"$.{rest}", _json_text(value)]
            where.append(clause)
        sql_where = " AND ".join(where)
        total = self._conn.execute(f"SELECT count(*) FROM document WHERE {sql_where}",
                                   params).fetchone()[0]
        rows = self._conn.execute(
            f"SELECT body FROM document WHERE {sql_where} ORDER BY rowid LIMIT ? OFFSET ?",
            [*params, limit, offset])
        return total, [r[0] for r in rows]


def _json_text(value: str) -> str:
    # json_extract gives booleans as 1/0; let ?flag=true match them.
    return {"true": "1", "false": "0"}.get(value, value)
