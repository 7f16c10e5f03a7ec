"""Capacity pools: ONT ids on a PON port, C-VLANs under an S-VLAN, BNG subscriber
sessions, IPv4 addresses of an IPAM pool, telephone numbers.

A pool hands out integer slots 0..capacity-1 in O(1): a high-water mark plus a free
list of returned slots, so a pool of a million addresses costs nothing until used.
A slot is formatted into the identifier an engineer would recognise (``10.1.0.17``,
``svlan 201 / cvlan 1034``) only when someone asks for it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from enum import StrEnum


class PoolKind(StrEnum):
    """The resource kinds a catalog's resource specifications may draw from."""

    ONT_ID = "ont_id"
    C_VLAN = "c_vlan"
    BNG_SESSION = "bng_session"
    IPV4_ADDRESS = "ipv4_address"
    PHONE_NUMBER = "phone_number"


class PoolExhausted(Exception):
    """Raised by :meth:`ResourcePool.allocate` when no slot is free (or the limit is hit)."""


class ResourcePool:
    """A finite set of identifiers of one kind, allocated and released one at a time.

    ``limit`` starts at ``capacity``; lowering it (a fault: the pool "shrinks") makes
    allocation fail once ``in_use`` reaches it, without touching slots already handed out.
    Releasing a slot that is not allocated is a bug and raises ``ValueError``.
    """

    __slots__ = ("name", "kind", "capacity", "limit", "_next", "_free", "_in_use", "_format")

    def __init__(
        self, name: str, kind: PoolKind, capacity: int, fmt: Callable[[int], str] = str
    ) -> None:
        if capacity < 0:
            raise ValueError(f"pool {name}: capacity must be >= 0, got {capacity}")
        self.name = name
        self.kind = kind
        self.capacity = capacity
        self.limit = capacity
        self._next = 0
        self._free: list[int] = []
        self._in_use: set[int] = set()
        self._format = fmt

    @property
    def in_use(self) -> int:
        return len(self._in_use)

    @property
    def free(self) -> int:
        return max(0, min(self.limit, self.capacity) - len(self._in_use))

    def allocate(self) -> int:
        """Take one free slot; raise :class:`PoolExhausted` when there is none."""
        if len(self._in_use) >= self.limit:
            raise PoolExhausted(self.name)
        if self._free:
            slot = self._free.pop()
        elif self._next < self.capacity:
            slot = self._next
            self._next += 1
        else:  # pragma: no cover - limit <= capacity makes this unreachable
            raise PoolExhausted(self.name)
        self._in_use.add(slot)
        return slot

    def take(self, slot: int) -> None:
        """Allocate ``slot`` itself, one chosen outside the pool (an ONT id or VLAN a
        client configured on an element, a release being undone). :meth:`allocate` never
        hands it out while it is held; slots below it that were never handed out stay
        free.

        Raises ``ValueError`` when ``slot`` is already allocated or not in
        ``0..capacity-1``. It does not look at ``limit``: a caller that must respect a
        shrunk pool checks :attr:`free` first."""
        if slot in self._in_use:
            raise ValueError(f"pool {self.name}: slot {slot} is already allocated")
        if not 0 <= slot < self.capacity:
            raise ValueError(f"pool {self.name}: slot {slot} outside 0..{self.capacity - 1}")
        while self._next <= slot:
            if self._next != slot:
                self._free.append(self._next)
            self._next += 1
        if slot in self._free:
            self._free.remove(slot)
        self._in_use.add(slot)

    def release(self, slot: int) -> None:
        """Return a slot to the pool."""
        try:
            self._in_use.remove(slot)
        except KeyError:
            raise ValueError(f"pool {self.name}: slot {slot} is not allocated") from None
        self._free.append(slot)

    def is_allocated(self, slot: int) -> bool:
        return slot in self._in_use

    def allocated(self) -> list[int]:
        """Allocated slots, sorted (for invariant checks and reports)."""
        return sorted(self._in_use)

    def identifier(self, slot: int) -> str:
        """The identifier an engineer would recognise for ``slot``."""
        return self._format(slot)

    def __repr__(self) -> str:
        return f"<ResourcePool {self.name} {self.kind} {self.in_use}/{self.limit}>"


def ont_id_pool(port_name: str, split_ratio: int) -> ResourcePool:
    # ONT ids on a GPON port are numbered from 1.
    return ResourcePool(f"{port_name}:ont", PoolKind.ONT_ID, split_ratio, lambda s: str(s + 1))


def c_vlan_pool(name: str, s_vlan: int, first: int = 2, last: int = 4094) -> ResourcePool:
    # 0, 1 and 4095 are reserved; 4094 - 2 + 1 = 4093 usable C-VLANs per S-VLAN.
    return ResourcePool(
        name, PoolKind.C_VLAN, last - first + 1, lambda s: f"svlan {s_vlan} / cvlan {first + s}"
    )


def session_pool(bng_name: str, capacity: int) -> ResourcePool:
    return ResourcePool(f"{bng_name}:sessions", PoolKind.BNG_SESSION, capacity,
                        lambda s: f"{bng_name}/session-{s + 1}")


def ipv4_pool(name: str, prefix: str) -> ResourcePool:
    network = ipaddress.IPv4Network(prefix)
    # Network, gateway (first host) and broadcast are not handed to subscribers.
    first = int(network.network_address) + 2
    capacity = network.num_addresses - 3
    return ResourcePool(name, PoolKind.IPV4_ADDRESS, capacity,
                        lambda s: str(ipaddress.IPv4Address(first + s)))


def phone_number_pool(name: str, first_number: int, capacity: int) -> ResourcePool:
    return ResourcePool(name, PoolKind.PHONE_NUMBER, capacity, lambda s: f"+{first_number + s}")
