"""The IPAM behind the NetBox-compatible API: the network's own IPv4 pools, seen as
NetBox prefixes, and the addresses recorded in them.

Every BNG's IPv4 pool (``network_model.pools.ipv4_pool``) is one prefix, numbered from 1
in the network's order. An address recorded here is a slot of that same pool - the pool
the BNG and its DHCP server draw from - so exhaustion is shared: an address the IPAM
hands out is no longer free for a DHCP reservation made without it, a ``pool_limit``
fault that shrinks the pool leaves the IPAM nothing to give, and an address a
reservation took is never offered. Each record remembers whether it took its slot from
the pool (``took``); only then does deleting it give the slot back, so a slot is never
released twice.

Ids are NetBox's: a counter that never reuses an id, kept in the emulator's database
(``--db``) with the records, so both survive a restart.
"""

from __future__ import annotations

import ipaddress
import json
import math
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from network_model import Network, ResourcePool

STATUSES = {"active": "Active", "reserved": "Reserved", "deprecated": "Deprecated",
            "dhcp": "DHCP", "slaac": "SLAAC"}
MAX_DESCRIPTION = 200  # characters, as NetBox
MAX_DNS_NAME = 255

SCHEMA = """
CREATE TABLE IF NOT EXISTS ipam_address (id INTEGER PRIMARY KEY, prefix INTEGER NOT NULL,
    slot INTEGER NOT NULL, took INTEGER NOT NULL, fields TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ipam_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class IpamError(Exception):
    """A request the IPAM refuses: ``status`` is the HTTP status, ``body`` NetBox's error
    document (``{"detail": ...}`` or ``{field: [messages]}``)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status, self.body = status, body


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Prefix:
    """One BNG's IPv4 pool as a NetBox prefix (``100.64.0.0/22``).

    Slot ``s`` of the pool is the address ``first + s``: the network address, the
    gateway and the broadcast address are never handed out (as the pool says).
    """

    def __init__(self, id: int, bng: str, pool: ResourcePool) -> None:
        self.id = id
        self.bng = bng
        self.pool = pool
        self.first = int(ipaddress.IPv4Address(pool.identifier(0)))
        length = 32 - round(math.log2(pool.capacity + 3))
        self.network = ipaddress.IPv4Network((self.first - 2, length))
        self.created = _now()

    @property
    def description(self) -> str:
        return f"{self.bng} subscriber pool"

    def address(self, slot: int) -> str:
        """The address of ``slot`` with the prefix length (``100.64.0.2/22``)."""
        return f"{ipaddress.IPv4Address(self.first + slot)}/{self.network.prefixlen}"

    def slot_of(self, address: ipaddress.IPv4Address) -> int | None:
        """The pool slot of ``address``, or None when the pool does not hand it out."""
        slot = int(address) - self.first
        return slot if 0 <= slot < self.pool.capacity else None

    @property
    def room(self) -> int:
        """Addresses that may still be handed out (a ``pool_limit`` fault lowers it)."""
        return self.pool.free


@dataclass
class IpRecord:
    """One IP address recorded in the IPAM (NetBox ``ipam.ipaddress``)."""

    id: int
    prefix: Prefix
    slot: int
    took: bool  # whether the record took its slot from the pool (and gives it back)
    fields: dict[str, Any] = field(default_factory=dict)  # status, description, ...

    @property
    def address(self) -> str:
        return self.prefix.address(self.slot)

    @property
    def host(self) -> str:
        return self.address.partition("/")[0]


def prefixes_of(network: Network) -> list[Prefix]:
    """The prefixes of ``network``: each BNG's IPv4 pools in order, numbered from 1."""
    out: list[Prefix] = []
    for bng in sorted(network.ipv4_pools):
        for pool in network.ipv4_pools[bng]:
            out.append(Prefix(len(out) + 1, bng, pool))
    return out


class Ipam:
    """The prefixes of a network and the addresses recorded in them.

    Call every method on the emulator's clock (the pools are the simulation's).
    ``db`` is the emulator's database (None: nothing is kept).
    """

    def __init__(self, network: Network, db: sqlite3.Connection | None = None) -> None:
        self.prefixes = {p.id: p for p in prefixes_of(network)}
        self.records: dict[int, IpRecord] = {}
        self._by_host: dict[str, int] = {}  # "100.64.0.2" -> record id
        self._db = db
        self._next_id = 1
        if db is not None:
            db.executescript(SCHEMA)
            self._restore(db)

    # -- reading ---------------------------------------------------------------------------
    def prefix(self, prefix_id: int) -> Prefix:
        found = self.prefixes.get(prefix_id)
        if found is None:
            raise IpamError(404, {"detail": "No Prefix matches the given query."})
        return found

    def record(self, record_id: int) -> IpRecord:
        found = self.records.get(record_id)
        if found is None:
            raise IpamError(404, {"detail": "No IPAddress matches the given query."})
        return found

    def by_host(self, host: str) -> IpRecord | None:
        record_id = self._by_host.get(host)
        return None if record_id is None else self.records[record_id]

    def available(self, prefix: Prefix, limit: int) -> list[int]:
        """Up to ``limit`` free slots of ``prefix``, lowest first: not taken in the pool
        and not recorded here, and no more than the pool may still hand out."""
        wanted = min(limit, prefix.room)
        out: list[int] = []
        slot = 0
        while len(out) < wanted and slot < prefix.pool.capacity:
            if not prefix.pool.is_allocated(slot) and prefix.address(slot).partition(
                    "/")[0] not in self._by_host:
                out.append(slot)
            slot += 1
        return out

    def find(self, address: str) -> tuple[Prefix, int]:
        """The prefix and slot of ``address`` (``a.b.c.d`` or ``a.b.c.d/len``)."""
        try:
            host = ipaddress.IPv4Interface(address).ip
        except ValueError:
            raise IpamError(400, {"address": [f"Enter a valid IPv4 or IPv6 address with "
                                              f"optional mask; got '{address}'."]}) from None
        for prefix in self.prefixes.values():
            slot = prefix.slot_of(host)
            if slot is not None:
                return prefix, slot
        raise IpamError(400, {"address": [f"omsim: {host} is not an address any prefix of "
                                          "this network hands out (network, gateway and "
                                          "broadcast addresses never are)"]})

    # -- changing --------------------------------------------------------------------------
    def allocate(self, prefix: Prefix, wanted: list[dict[str, Any]]) -> list[IpRecord]:
        """The next free addresses of ``prefix``, one per entry of ``wanted`` (each the
        fields to record), all or none: 409 when the prefix has too few."""
        checked = [check_fields(w) for w in wanted]
        slots = self.available(prefix, len(wanted))
        if len(slots) < len(wanted):
            raise IpamError(409, {"detail": "An insufficient number of IP addresses are "
                                            f"available within prefix {prefix.network} "
                                            f"({len(wanted)} requested, {len(slots)} "
                                            "available)"})
        out = []
        for slot, fields in zip(slots, checked, strict=True):
            prefix.pool.take(slot)
            out.append(self._add(prefix, slot, True, fields))
        return out

    def create(self, body: dict[str, Any]) -> IpRecord:
        """Record the address ``body`` names (``POST /api/ipam/ip-addresses/``).

        An address recorded already is a duplicate (400, as NetBox with unique
        addresses enforced). An address the network uses already (a reservation made
        without the IPAM) is recorded without taking it; a free one is taken from the
        pool, 409 when the pool has no room left.
        """
        address = body.get("address")
        if not isinstance(address, str):
            raise IpamError(400, {"address": ["This field is required."]})
        prefix, slot = self.find(address)
        fields = check_fields(body)
        host = prefix.address(slot).partition("/")[0]
        if host in self._by_host:
            raise IpamError(400, {"address": ["Duplicate IP address found in global table: "
                                              f"{prefix.address(slot)}"]})
        took = not prefix.pool.is_allocated(slot)
        if took:
            if not prefix.room:
                raise IpamError(409, {"detail": "An insufficient number of IP addresses are "
                                                f"available within prefix {prefix.network} "
                                                "(1 requested, 0 available)"})
            prefix.pool.take(slot)
        return self._add(prefix, slot, took, fields)

    def update(self, record: IpRecord, body: dict[str, Any]) -> IpRecord:
        """Change the writable fields ``body`` names (PATCH; an address never moves)."""
        if "address" in body:
            try:
                same = ipaddress.IPv4Interface(str(body["address"])) == \
                    ipaddress.IPv4Interface(record.address)
            except ValueError:
                same = False
            if not same:
                raise IpamError(400, {"address": ["omsim: an address is a slot of its pool "
                                                  "and cannot be moved; delete it and "
                                                  "allocate another"]})
        record.fields.update(check_fields(body))
        record.fields["last_updated"] = _now()
        self._write(record)
        return record

    def delete(self, record: IpRecord) -> None:
        """Forget ``record``; its slot goes back to the pool if the record took it."""
        del self.records[record.id]
        del self._by_host[record.host]
        if record.took and record.prefix.pool.is_allocated(record.slot):
            record.prefix.pool.release(record.slot)
        if self._db is not None:
            self._db.execute("DELETE FROM ipam_address WHERE id = ?", (record.id,))

    def _add(self, prefix: Prefix, slot: int, took: bool, fields: dict[str, Any]
             ) -> IpRecord:
        now = _now()
        record = IpRecord(self._next_id, prefix, slot, took,
                          {"status": "active", "description": "", "dns_name": "",
                           "comments": "", **fields, "created": now, "last_updated": now})
        self._next_id += 1
        self.records[record.id] = record
        self._by_host[record.host] = record.id
        if self._db is not None:
            self._db.execute("INSERT OR REPLACE INTO ipam_meta VALUES ('next_id', ?)",
                             (str(self._next_id),))
        self._write(record)
        return record

    # -- the database ----------------------------------------------------------------------
    def _write(self, record: IpRecord) -> None:
        if self._db is not None:
            self._db.execute("INSERT OR REPLACE INTO ipam_address VALUES (?, ?, ?, ?, ?)",
                             (record.id, record.prefix.id, record.slot, int(record.took),
                              json.dumps(record.fields)))

    def _restore(self, db: sqlite3.Connection) -> None:
        """Records kept by an earlier run. A slot the restored configuration holds
        already (a reservation) stays that reservation's: the record does not take it."""
        row = db.execute("SELECT value FROM ipam_meta WHERE key = 'next_id'").fetchone()
        self._next_id = int(row[0]) if row else 1
        for record_id, prefix_id, slot, took, fields in db.execute(
                "SELECT id, prefix, slot, took, fields FROM ipam_address ORDER BY id"):
            prefix = self.prefixes.get(prefix_id)
            if prefix is None or not 0 <= slot < prefix.pool.capacity:
                continue  # not this network's (the database is claimed per scenario and seed)
            took = bool(took) and not prefix.pool.is_allocated(slot)
            if took:
                prefix.pool.take(slot)
            record = IpRecord(record_id, prefix, slot, took, json.loads(fields))
            self.records[record_id] = record
            self._by_host[record.host] = record_id
            self._next_id = max(self._next_id, record_id + 1)


def check_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The writable fields of an ip-address in ``body``, checked (400 naming each field
    that is wrong, as NetBox does). Read-only and unknown fields are ignored, as NetBox
    ignores them."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name, value in body.items():
        problem = _field_problem(name, value)
        if problem is not None:
            errors[name] = [problem]
        elif name in ("status", "description", "dns_name", "comments"):
            out[name] = value.get("value") if isinstance(value, dict) else value
    if errors:
        raise IpamError(400, errors)
    return out


def _field_problem(name: str, value: Any) -> str | None:
    if name == "status":
        choice = value.get("value") if isinstance(value, dict) else value
        return None if choice in STATUSES else f'"{choice}" is not a valid choice.'
    if name in ("description", "dns_name", "comments"):
        if not isinstance(value, str):
            return "Not a valid string."
        limit = {"description": MAX_DESCRIPTION, "dns_name": MAX_DNS_NAME}.get(name)
        if limit is not None and len(value) > limit:
            return f"Ensure this field has no more than {limit} characters."
        return None
    if name in ("vrf", "tenant", "role", "assigned_object_type", "assigned_object_id",
                "nat_inside"):
        return None if value is None else (f"omsim: this IPAM has no {name.replace('_', ' ')}"
                                           "; only null is accepted")
    if name in ("tags", "nat_outside"):
        return None if value == [] else f"omsim: this IPAM has no {name}; only [] is accepted"
    if name == "custom_fields":
        if not isinstance(value, dict):
            return "Invalid data. Expected a dictionary."
        unknown = next(iter(value), None)
        return None if unknown is None else (f"Unknown field name '{unknown}' in custom "
                                             "field data.")
    return None
