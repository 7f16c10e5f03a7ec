"""The emulator: the scenario's network on a real-time clock, with its configuration in
one datastore that NETCONF and RESTCONF (and the routers added next to them) share.

What it holds, for every protocol front end:

- ``env``, ``clock``: the simulation and the clock that drives it in real time; anything
  that touches the simulation runs through :meth:`Emulator.change` (in the loop's thread)
  or :meth:`Emulator.change_threadsafe` (from any other thread); :meth:`Emulator.after`
  waits simulated seconds;
- ``network``: the network as data (topology, addresses, technicians), ``pools`` its
  capacity pools by name (the IPv4 pools are an IPAM's prefixes);
- ``elements``: the simulated elements by their simulation names, ``workforce`` the
  regional crews by name (``workforce:R01``; for appointments), ``wire_names`` the
  element names clients see (``dhcp:BNG01`` -> ``BNG01-DHCP``);
- ``datastore`` and ``managed``: the configuration and the elements as the wire sees them;
- :meth:`Emulator.configure`: one configuration change through the whole pipeline
  (:mod:`sim.emulate.pipeline`); :meth:`Emulator.read`: what a get returns;
- :meth:`Emulator.set_ont_online`: what a completed install visit does;
- the lock on ``running`` (NETCONF lock/unlock; RESTCONF edits respect it);
- ``activity``: what the clients did on the wire (:mod:`sim.emulate.activity`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import simpy

from network_model import Network
from sim.elements.workforce import Workforce
from sim.emulate.activity import WireActivity
from sim.emulate.change import Answer, Apply, Changes
from sim.emulate.clock import Clock
from sim.emulate.datastore import Datastore
from sim.emulate.errors import RpcError, protocol_error
from sim.emulate.kinds import kinds_of
from sim.emulate.managed import DRIFT, Behaviour, ManagedElement, Undo
from sim.emulate.model import YangModel
from sim.emulate.pipeline import Sessions, configure
from sim.emulate.store import Store, StoreError
from sim.emulate.tree import Trail, to_raw

T = TypeVar("T")


@dataclass
class Lab:
    """What the simulation built for the emulator: the network, its elements (by
    simulation name: ``olt:EX01-OLT01``, ``dhcp:BNG01``, ``voice_platform``), the regional
    crews (``workforce:<region>``), the central platforms the catalog uses, when drift
    faults strike, and the scenario's fault timeline (for the dashboard)."""

    env: simpy.Environment
    network: Network
    elements: Mapping[str, Behaviour]
    max_parallel_edits: Mapping[str, int]
    workforce: Mapping[str, Workforce] = field(default_factory=dict)
    platforms: list[str] = field(default_factory=list)
    drift_at_s: list[float] = field(default_factory=list)
    faults: list[Any] = field(default_factory=list)  # sim.scenario.faults' models
    resume_at_s: float = 0.0  # a restart: simulated time the database had reached


class Emulator:
    """One emulated network on the wire; build it, then :meth:`start` it in the loop."""

    def __init__(self, lab: Lab, speed: float, store: Store | None = None,
                 model: YangModel | None = None) -> None:
        self.lab = lab
        self.env, self.network = lab.env, lab.network
        self.elements, self.workforce = lab.elements, lab.workforce
        self.model = model or YangModel()
        self.datastore = Datastore(self.model)
        self.store = store
        self.clock = Clock(lab.env, speed)
        self.managed: dict[str, ManagedElement] = {}
        self.sessions: dict[str, Sessions] = {}
        self.online: set[Trail] = set()  # ONTs an install visit brought online
        self.lock_owner: int | None = None  # the NETCONF session holding running's lock
        self.activity = WireActivity()
        self.closing = asyncio.Event()  # set when the emulator stops
        self.pools = {p.name: p for p in lab.network.all_pools()}
        self.wire_names: dict[str, str] = {}
        for sim_name, kind in kinds_of(lab.network, lab.platforms).items():
            if sim_name in lab.elements:
                self.wire_names[sim_name] = kind.name
                self.datastore.add_element(kind.name, kind.identity, kind.structure())
                self.managed[kind.name] = ManagedElement(kind.name, kind,
                                                         lab.elements[sim_name])
                self.sessions[kind.name] = Sessions(lab.env,
                                                    lab.max_parallel_edits[sim_name])
        self.changes = Changes(self.datastore, self.managed, self._committed)
        for at_s in lab.drift_at_s:
            lab.env.process(self._adopt_drift_at(at_s))
        if store is not None:
            self._restore(store)
        self.clock.catch_up(lab.resume_at_s)

    # -- the clock ------------------------------------------------------------------------
    def start(self) -> None:
        """Go live (inside the running asyncio loop)."""
        self.clock.start()

    async def stop(self) -> None:
        self.closing.set()
        await self.clock.stop()
        if self.store is not None:
            self.store.set_meta("sim_time", repr(self.env.now))

    def change(self, change: Callable[[], T]) -> T:
        """Run ``change`` on the clock now (from the loop's thread)."""
        return self.clock.change(change)

    def change_threadsafe(self, change: Callable[[], T]) -> Any:
        """Run ``change`` on the clock from another thread: a concurrent future."""
        return self.clock.change_threadsafe(change)

    def after(self, delay_s: float) -> asyncio.Future[Any]:
        """A future done ``delay_s`` simulated seconds from now (in the loop's thread)."""
        return self.change(lambda: self.clock.outcome(self.env.timeout(delay_s)))

    # -- configuration ----------------------------------------------------------------------
    async def configure(self, names: list[str], apply: Apply, session: int | None = None,
                        test_only: bool = False) -> Answer:
        """One configuration change (see :mod:`sim.emulate.pipeline`): the answer once
        the elements give it; RpcError when refused. ``session`` is the NETCONF session
        asking (None: RESTCONF), for the lock."""
        if self.lock_owner is not None and self.lock_owner != session:
            raise protocol_error("in-use", "the running datastore is locked by NETCONF "
                                 f"session {self.lock_owner}",
                                 session_id=str(self.lock_owner))
        # The future is tied to the process before the clock runs it: a zero-latency
        # change is finished by the time change() returns.
        answer = self.change(lambda: self.clock.outcome(self.env.process(configure(
            self.env, self.changes, self.sessions, names, apply, test_only))))
        return await answer

    async def unless_closing(self, awaitable: Awaitable[T]) -> T:
        """``awaitable``'s result, or RpcError (HTTP 503) if the emulator stops first: a
        request still waiting for its answer then gets one."""
        waiting = asyncio.ensure_future(awaitable)
        closing = asyncio.ensure_future(self.closing.wait())
        await asyncio.wait({waiting, closing}, return_when=asyncio.FIRST_COMPLETED)
        closing.cancel()
        if waiting.done():
            return waiting.result()
        waiting.cancel()
        raise RpcError("operation-failed", "the emulator is stopping; the request may or "
                       "may not have been applied", app_tag="shutting-down")

    def read(self, state: bool, names: set[str] | None = None) -> dict[str, Any]:
        """The network container as a get (``state``) or get-config returns it."""
        self.clock.advance()
        return self.datastore.view(self.state_of if state else None, names)

    def state_of(self, name: str) -> dict[str, Any]:
        """Operational state of one element (its reachability, its ONTs)."""
        managed = self.managed.get(name)
        if managed is None:
            return {}
        reachable = managed.behaviour.reachable()
        entry = self.datastore.element(name) or {}
        return {"oper-status": "reachable" if reachable else "unreachable",
                **managed.kind.state(entry, self.online, reachable)}

    def set_ont_online(self, olt: str, line_card: int, port: int, ont_id: int) -> bool:
        """An install visit fitted the ONT: it shows ``online`` from now on. False when
        no such ONT is configured. Call it on the clock (:meth:`change`, or
        :meth:`change_threadsafe` from another thread)."""
        trail: Trail = (("element", (olt,)), ("omsim-olt:olt", None),
                        ("pon-port", (line_card, port)), ("ont", (ont_id,)))
        if self.datastore.unit(trail) is None:
            return False
        self.online.add(trail)
        if self.store is not None:
            self.store.set_online(olt, trail)
        return True

    # -- persistence -----------------------------------------------------------------------
    def _committed(self, units: list[Trail]) -> None:
        if self.store is None:
            return
        by_element: dict[str, list[Trail]] = {}
        for trail in units:
            by_element.setdefault(trail[0][1][0], []).append(trail)
        for name, trails in by_element.items():
            changed, removed = [], []
            for trail in trails:
                entry = self.datastore.unit(trail)
                if entry is None:
                    removed.append(trail)
                    self.online.discard(trail)
                else:
                    changed.append((trail, self.managed[name].units[trail].owner,
                                    to_raw(entry)))
            self.store.write(name, changed, removed, self.env.now)

    def _restore(self, store: Store) -> None:
        for name, trail, owner, raw in store.units():
            managed = self.managed.get(name)
            if managed is None:
                raise StoreError(f"{store.path}: holds configuration of {name}, which "
                                 "this network does not have; use another --db")
            entry = self.datastore.entry_from_raw(trail, raw)
            self.datastore.put_unit(trail, entry)
            managed.settle(trail, entry, self.datastore.path_of(trail), Undo(),
                           owner=owner, take=owner != DRIFT)
            if owner == DRIFT:
                self.online.add(trail)
        self.online.update(trail for _, trail in store.online()
                           if self.datastore.unit(trail) is not None)

    # -- drift -------------------------------------------------------------------------------
    def _adopt_drift_at(self, at_s: float) -> Any:
        yield self.env.timeout(max(0.0, at_s - self.env.now))
        self.adopt_drift()

    def adopt_drift(self) -> None:
        """Show the slots drift took on each element as the units they stand for (a
        foreign ONT, a session nobody ordered), so a get finds them."""
        adopted: list[Trail] = []
        for managed in self.managed.values():
            for (pool, index), owner in list(managed.behaviour.configured.items()):
                if owner != DRIFT or (pool, index) in managed.owners:
                    continue
                found = managed.kind.drift_unit(pool, index)
                if found is None:  # a slot with no unit to show: the pool has one less
                    self._take_quietly(managed, pool, index)
                    continue
                trail, entry = found
                if self.datastore.unit(trail) is None:
                    self.datastore.put_unit(trail, entry)
                    managed.settle(trail, entry, self.datastore.path_of(trail), Undo(),
                                   owner=DRIFT, take=False)
                    self.online.add(trail)  # someone's working ONT (for an OLT's units)
                    adopted.append(trail)
        self._committed(adopted)

    def _take_quietly(self, managed: ManagedElement, pool_name: str, index: int) -> None:
        pool = self.pools[pool_name]
        if not pool.is_allocated(index):
            pool.take(index)
        managed.owners[(pool_name, index)] = DRIFT
