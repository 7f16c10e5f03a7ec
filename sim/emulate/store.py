"""The emulator's SQLite database (``--db``): what the network is configured with survives
a restart.

One row per unit (an ONT, a session, a reservation, ...: see :mod:`sim.emulate.tree`)
holding its RFC 7951 JSON and who configured it (a client, or drift found in the
network), written when a change commits and before it is answered; the ONTs brought
online by install visits; the TMF646 appointments (one row each, its record as JSON,
written on the clock before the request that changed it is answered); and a few facts
about the run - the scenario and seed it was made for, the SSH host key (so clients'
``known_hosts`` stay valid), the simulated time it had reached, the next appointment
id. One emulator per database: a second one is refused.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from om import OmsimError
from sim.emulate.tree import Trail

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unit (element TEXT NOT NULL, trail TEXT NOT NULL,
    owner TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (element, trail));
CREATE TABLE IF NOT EXISTS online (element TEXT NOT NULL, trail TEXT NOT NULL,
    PRIMARY KEY (element, trail));
CREATE TABLE IF NOT EXISTS appointment (id TEXT PRIMARY KEY, record TEXT NOT NULL);
"""


class StoreError(OmsimError):
    """The database cannot be used: another emulator holds it, or it is another run's."""


class Store:
    """An open emulator database, locked for this process until :meth:`close`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = open(f"{path}.lock", "a")  # noqa: SIM115 - held for the store's life
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StoreError(f"{path}: another omsim emulate is using this database") from None
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # an answered change is on disk
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._lock.close()
            raise StoreError(f"{path}: not an omsim emulate database ({exc})") from None

    def close(self) -> None:
        self.db.close()
        self._lock.close()

    # -- facts ----------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def claim_for(self, run: str) -> None:
        """Mark the database as ``run``'s (scenario and seed); refuse another run's."""
        held = self.meta("run")
        if held is None:
            self.set_meta("run", run)
        elif held != run:
            raise StoreError(f"{self.path}: holds the network of {held}, not of {run}; use "
                             "another --db")

    # -- units -----------------------------------------------------------------------------
    def write(self, element: str, changed: list[tuple[Trail, str, Any]], removed: list[Trail],
              sim_time: float) -> None:
        """One committed change: units written (trail, owner, RFC 7951 JSON), removed."""
        with self._transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO unit VALUES (?, ?, ?, ?)",
                [(element, _trail_text(t), owner, json.dumps(body)) for t, owner, body
                 in changed])
            self.db.executemany("DELETE FROM unit WHERE element = ? AND trail = ?",
                                [(element, _trail_text(t)) for t in removed])
            self.set_meta("sim_time", repr(sim_time))

    def units(self) -> Iterator[tuple[str, Trail, str, Any]]:
        """Every unit kept: (element, trail, owner, RFC 7951 JSON), in write order."""
        for element, trail, owner, body in self.db.execute(
                "SELECT element, trail, owner, body FROM unit ORDER BY rowid"):
            yield element, _trail_of(trail), owner, json.loads(body)

    def set_online(self, element: str, trail: Trail) -> None:
        self.db.execute("INSERT OR IGNORE INTO online VALUES (?, ?)",
                        (element, _trail_text(trail)))

    def online(self) -> list[tuple[str, Trail]]:
        return [(e, _trail_of(t)) for e, t in self.db.execute("SELECT * FROM online")]

    # -- appointments --------------------------------------------------------------------
    def keep_appointment(self, appointment_id: str, record: dict[str, Any],
                         next_id: int) -> None:
        """An appointment as it stands now (``record``: JSON-able), and the next id the
        diary will give."""
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO appointment VALUES (?, ?)",
                            (appointment_id, json.dumps(record)))
            self.set_meta("next_appointment", str(next_id))

    def forget_appointment(self, appointment_id: str) -> None:
        self.db.execute("DELETE FROM appointment WHERE id = ?", (appointment_id,))

    def appointments(self) -> list[dict[str, Any]]:
        """Every appointment kept, in booking order."""
        return [json.loads(record) for (record,) in self.db.execute(
            "SELECT record FROM appointment ORDER BY CAST(id AS INTEGER)")]

    def _transaction(self) -> sqlite3.Connection:
        return _Transaction(self.db)  # type: ignore[return-value]


class _Transaction:
    """``with``: BEGIN ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN")

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _trail_text(trail: Trail) -> str:
    return json.dumps([[member, list(key) if key is not None else None]
                       for member, key in trail])


def _trail_of(text: str) -> Trail:
    return tuple((member, tuple(key) if key is not None else None)
                 for member, key in json.loads(text))
