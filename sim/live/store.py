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
- ``idempotency``: the ``Idempotency-Key`` of every POST that created something, with a
  fingerprint of its body and what it created, committed with it.

A client's free text is stored once: in its document. The command log keeps only what
the order manager acts on (:func:`sim.live.orders.command_body`).

One writer (the live service's writer thread) commits ticks with ``synchronous=FULL``,
several in one transaction when they queue up: an order is on disk before its 201 is
sent. A second process cannot open the same database (:mod:`sim.live.db_lock`). Readers open
their own connections.
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
from sim.live.db_lock import DatabaseLock

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
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,
    collection TEXT NOT NULL, id TEXT NOT NULL);
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
    # JSON text, or a dict of fresh objects that the writer thread encodes (so that the
    # clock thread does not spend its time on large documents)
    body: str | dict[str, Any]

    def text(self) -> str:
        return self.body if isinstance(self.body, str) else json.dumps(self.body)


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
    commands: list[tuple[str, str, str | dict[str, Any], str]]  # kind, target, body, result
    documents: list[Document]
    deleted: list[tuple[str, str]]  # (collection, id)
    allocated: list[tuple[str, str, int]]  # (resource id, pool, slot)
    released: list[str]  # resource ids
    hubs_added: list[tuple[str, str, str]]
    hubs_removed: list[str]
    keys: list[tuple[str, str, str, str]]  # idempotency key, fingerprint, collection, id

    @classmethod
    def empty(cls, tick: int) -> Tick:
        return cls(tick, [], [], [], [], [], [], [], [])

    def __bool__(self) -> bool:
        return bool(self.commands or self.documents or self.deleted or self.allocated
                    or self.released or self.hubs_added or self.hubs_removed or self.keys)


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
        self._lock = DatabaseLock(path)  # before anything reads or writes the file
        try:
            self._conn = connect(path)
            self._conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._lock.release()
            raise StoreError(f"{path}: not an omsim database ({exc})") from None

    def close(self) -> None:
        self._conn.close()
        self._lock.release()

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
        commands, documents and allocations of each, atomically.

        Each kind of row goes in one statement over a JSON array (``json_each``), not one
        statement per row: the sqlite3 module releases the GIL around every statement,
        and getting it back while the clock thread is busy can take a switch interval
        each time (thousands of rows took seconds instead of milliseconds).
        """
        allocated, released, gone = _net_slots(ticks)
        with _transaction(self._conn):
            c = self._conn
            c.execute("INSERT OR REPLACE INTO meta VALUES ('tick', ?)", (str(ticks[-1].tick),))
            _each(c, "INSERT INTO command (tick, kind, target, body, result) SELECT "
                     "value->>0, value->>1, value->>2, value->3, value->>4",
                  [f"[{t.tick},{_q(kind)},{_q(target)},{_text(body)},{_q(result)}]"
                   for t in ticks for kind, target, body, result in t.commands])
            # Releases first: a slot freed and handed out again is a delete then an
            # insert, never two holders.
            _each(c, "DELETE FROM allocation WHERE resource_id IN (SELECT value",
                  [_q(r) for r in released], ")")
            _each(c, "INSERT INTO allocation SELECT value->>0, value->>1, value->>2",
                  [json.dumps(a) for a in allocated.values()])
            _write_documents(c, ticks, gone)
            for tick in ticks:
                c.executemany("INSERT OR REPLACE INTO hub VALUES (?, ?, ?)", tick.hubs_added)
                c.executemany("DELETE FROM hub WHERE id = ?",
                              [(h,) for h in tick.hubs_removed])
            _each(c, "INSERT OR REPLACE INTO idempotency SELECT value->>0, value->>1, "
                     "value->>2, value->>3",
                  [json.dumps(k) for t in ticks for k in t.keys])


def _net_slots(ticks: list[Tick]) -> tuple[dict[str, tuple[str, str, int]], list[str],
                                            list[str]]:
    """What a group of ticks does to slots, net: the allocations still held at its end,
    the releases of slots held before it, and every resource released (whose document
    goes). Resource ids are never reused: a slot held and freed within the group needs
    no row at all."""
    allocated: dict[str, tuple[str, str, int]] = {}
    released, gone = [], []
    for tick in ticks:
        for resource_id in tick.released:
            if allocated.pop(resource_id, None) is None:
                released.append(resource_id)
            gone.append(resource_id)
        allocated.update((a[0], a) for a in tick.allocated)
    return allocated, released, gone


def _write_documents(c: sqlite3.Connection, ticks: list[Tick], gone: list[str]) -> None:
    """The last version of each document of the group, then the deletions (ids never
    return): released resources' documents and deleted orders."""
    latest = {(d.collection, d.id): d for tick in ticks for d in tick.documents}
    small, large = [], []
    for d in latest.values():
        text = d.text()
        if len(text) > _LARGE:  # SQLite would parse it again: as it is
            large.append((d.collection, d.id, d.state, d.order_id, text))
        else:
            small.append(f"[{_q(d.collection)},{_q(d.id)},{_q(d.state)},"
                         f"{_q(d.order_id)},{text}]")
    upsert = (" ON CONFLICT (collection, id) DO UPDATE SET state = excluded.state,"
              " body = excluded.body")
    c.executemany(f"INSERT INTO document VALUES (?, ?, ?, ?, ?){upsert}", large)
    _each(c, "INSERT INTO document SELECT value->>0, value->>1, value->>2, "
             "value->>3, value->4", small, f" WHERE true{upsert}")
    _each(c, "DELETE FROM document WHERE collection = 'resource' AND id IN "
             "(SELECT value", [_q(r) for r in gone], ")")
    _each(c, "DELETE FROM document WHERE (collection, id) IN "
             "(SELECT value->>0, value->>1",
          [json.dumps(pair) for t in ticks for pair in t.deleted], ")")


_LARGE = 64 * 1024  # characters of JSON: documents written one statement each


def _q(text: str) -> str:
    return json.dumps(text)


def _text(body: str | dict[str, Any]) -> str:
    return body if isinstance(body, str) else json.dumps(body)


def _each(conn: sqlite3.Connection, head: str, rows: list[str], tail: str = "") -> None:
    """``head`` ... ``FROM json_each(?)`` ... ``tail`` over ``rows`` (JSON texts)."""
    if rows:
        conn.execute(f"{head} FROM json_each(?){tail}", ("[" + ",".join(rows) + "]",))


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

    def ids(self, collection: str) -> set[str]:
        return {i for (i,) in self._conn.execute(
            "SELECT id FROM document WHERE collection = ?", (collection,))}

    def state(self, collection: str, id: str) -> str | None:
        row = self._conn.execute("SELECT state FROM document WHERE collection = ? AND id = ?",
                                 (collection, id)).fetchone()
        return None if row is None else row[0]

    def bodies(self, collection: str, ids: Iterable[str]) -> dict[str, str]:
        """The documents of ``ids`` that exist, by id."""
        out: dict[str, str] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):  # SQLite's limit on parameters
            chunk = ids[start:start + 500]
            out.update(self._conn.execute(
                f"SELECT id, body FROM document WHERE collection = ? AND id IN "
                f"({','.join('?' * len(chunk))})", [collection, *chunk]))
        return out

    def idempotency(self, key: str) -> tuple[str, str, str] | None:
        """(fingerprint, collection, id) of what the POST with ``key`` created, or None."""
        return self._conn.execute("SELECT fingerprint, collection, id FROM idempotency "
                                  "WHERE key = ?", (key,)).fetchone()

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
