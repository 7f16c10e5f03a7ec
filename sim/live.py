"""Live mode: the order manager and the emulated network on a real-time clock, fed by
the REST API (:mod:`sim.tmf_api`), with everything that matters kept in SQLite.

Threads. The simulation runs in one thread on a :class:`LiveClock` (SimPy's real-time
environment: ``speed`` simulated seconds per wall second). The API never touches om
objects: it puts a :class:`Request` on a thread-safe queue and waits for the reply. A
SimPy process, the *tick*, wakes every few wall milliseconds, applies the queued requests
in arrival order and hands what changed (:mod:`sim.read_model`) to a writer thread, which
commits it (ticks queued behind a slow disk in one group commit) and only then replies.
So an order acknowledged with 201 is already on disk, and the API serves reads from the
database alone.

Restart. SimPy processes cannot be saved, so the database keeps the command log (what
each tick applied). On start with an existing database the run is rebuilt from the same
scenario and seed, the log is replayed tick by tick as fast as the CPU allows, and the
state reached at the last committed tick is checked against the persisted one (every
pool slot held, every order state). Only then does the clock go live: in-flight orders
carry on from exactly where they were, and no slot is held twice or lost.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import queue
import threading
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import simpy
import simpy.rt

from om import OmsimError, ProductOrder, StateChanged
from om.ids import IdSource
from om.orders import TERMINAL
from sim import tmf_orders
from sim.harness import Run, build_run
from sim.hub import Hub, Listener
from sim.read_model import ReadModel
from sim.scenario import Scenario
from sim.store import Command, Document, Store, Tick
from sim.tmf_views import Cancellation, Views, epoch_now

TICK_WALL_S = 0.005  # how often the clock looks for requests, in wall seconds
MAX_REQUESTS_PER_TICK = 2000
_TERMINAL = frozenset(s.value for s in TERMINAL)


class LiveError(OmsimError):
    """The live service cannot start (wrong database, a replay that diverged)."""


class LiveClock(simpy.rt.RealtimeEnvironment):
    """SimPy's real-time environment, except while catching up after a restart, when it
    runs as fast as it can."""

    def __init__(self, speed: float, catching_up: bool = False) -> None:
        super().__init__(factor=1.0 / speed, strict=False)
        self.catching_up = catching_up

    def step(self) -> None:
        if self.catching_up:
            return simpy.Environment.step(self)
        return super().step()

    def go_live(self) -> None:
        """From now on, simulated time follows the wall clock from the current instant."""
        self.catching_up = False
        self.sync()


@dataclass
class Request:
    """One change asked for by the API; ``reply`` gets (status, document or problems)."""

    kind: str  # create | patch | delete | cancel | hub_add | hub_remove
    target: str
    body: dict[str, Any]
    reply: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)


@dataclass
class _CancelState:
    cancellation: Cancellation
    state: str = "acknowledged"
    effective_s: float | None = None
    reason: str = ""


class LiveService:
    """One live run: build it, :meth:`start` it (replays first), :meth:`submit`
    requests, :meth:`stop` it."""

    def __init__(self, scenario: Scenario, db: Path, speed: float = 3600.0,
                 background_arrivals: bool = False, hub: Hub | None = None) -> None:
        if speed <= 0:
            raise LiveError(f"--speed must be > 0, got {speed}")
        self.store = Store(db)
        self.hub = hub or Hub()
        meta = self._meta(scenario, speed, background_arrivals)
        self.tick_s = float(meta["tick_s"])
        self.background_arrivals = meta["background_arrivals"] == "1"
        self.views = Views(datetime.fromisoformat(meta["epoch"]))
        self._replay: dict[int, list[Command]] = defaultdict(list)
        for command in self.store.commands():
            self._replay[command.tick].append(command)
        self._replay_to = int(meta.get("tick", "-1"))
        self.env = LiveClock(speed, catching_up=self._replay_to >= 0)
        self.run: Run = build_run(scenario, env=self.env, arrivals=self.background_arrivals)
        om = self.run.om
        om.bus.subscribe(StateChanged, self._on_state)
        # Background traffic registers its orders here too, so the API can show them.
        if self.run.arrivals is not None:
            self.run.arrivals.on_submit = self._background_order
        if self.run.churn is not None:
            self.run.churn.on_submit = self._background_order
            self.run.churn.stopped = not self.background_arrivals
        for listener_id, callback, query in self.store.hubs():
            self.hub.add(Listener(listener_id, callback, query))

        self.orders: dict[str, ProductOrder] = {}
        self.payloads: dict[str, dict[str, Any]] = {}
        self.deleted: set[str] = set()
        self.cancels: dict[str, _CancelState] = {}
        self._cancelling: dict[str, list[_CancelState]] = {}  # order id -> accepted cancels
        self._cancel_ids = IdSource("CPO")
        self._hub_ids = IdSource("HUB", start=1 + max(
            (int(x.rpartition("-")[2]) for x in self.hub.listeners), default=0))
        self.read_model = ReadModel(om, self.views, self.orders, self.payloads, self.deleted)
        self._dirty_cancels: set[str] = set()
        self.replaying = self._replay_to >= 0
        self.tick = -1
        self._inbox: queue.SimpleQueue[Request] = queue.SimpleQueue()
        self._halt = self.env.event()
        self._stopping = False
        self._ready = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="omsim-clock", daemon=True)
        self._commits: queue.SimpleQueue[tuple[Tick, list[Any]] | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, name="omsim-writer", daemon=True)
        self.env.process(self._ticks())

    # -- metadata ----------------------------------------------------------------------
    def _meta(self, scenario: Scenario, speed: float, background: bool) -> dict[str, str]:
        fingerprint = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
        meta = self.store.meta()
        if not meta:
            meta = {"fingerprint": fingerprint, "scenario": scenario.name,
                    "seed": str(scenario.seed), "tick_s": repr(speed * TICK_WALL_S),
                    "epoch": epoch_now().isoformat(),
                    "background_arrivals": "1" if background else "0"}
            self.store.set_meta(meta)
        elif meta.get("fingerprint") != fingerprint:
            raise LiveError(f"{self.store.path}: made for scenario '{meta.get('scenario')}' "
                            f"(or another version of it); start with a fresh --db")
        return meta

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, timeout_s: float = 300.0) -> None:
        """Start the clock thread; return once any replay is done and the clock is live."""
        self._writer.start()
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise LiveError(f"replay of the command log took over {timeout_s:g} s")
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._stopping = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._commits.put(None)
        if self._writer.is_alive():
            self._writer.join(timeout=30)
        self.hub.close()
        self.store.close()

    def submit(self, request: Request) -> concurrent.futures.Future:
        """Hand ``request`` to the clock thread (thread-safe)."""
        if self.error is not None or self._stopping:
            request.reply.set_exception(LiveError("the simulation is not running"))
        else:
            self._inbox.put(request)
        return request.reply

    @property
    def now_s(self) -> float:
        return self.env.now

    def _loop(self) -> None:
        try:
            if not self.replaying:
                self.env.go_live()
                self._ready.set()
            self.env.run(until=self._halt)
        except BaseException as exc:  # noqa: BLE001 - reported to start() and the API
            self.error = exc
            if not isinstance(exc, LiveError):  # a bug: show where
                traceback.print_exc()
        finally:
            self._ready.set()
            while True:  # nobody waits forever for a reply
                try:
                    self._inbox.get_nowait().reply.set_exception(
                        LiveError("the simulation stopped"))
                except queue.Empty:
                    break

    # -- the tick ----------------------------------------------------------------------
    def _ticks(self) -> Any:
        tick = 0
        while not self._stopping:
            self.tick = tick
            if self.replaying:
                for command in self._replay.pop(tick, ()):
                    self._apply_logged(command)
                if tick == self._replay_to:
                    problem = self.read_model.verify(self.store)
                    if problem:
                        raise LiveError(problem)
                    self.replaying = False
                    self.env.go_live()
                    self._ready.set()
            else:
                self._serve(tick)
            tick += 1
            yield self.env.timeout(self.tick_s)
        self._halt.succeed()

    def _serve(self, tick: int) -> None:
        requests = []
        while len(requests) < MAX_REQUESTS_PER_TICK:
            try:
                requests.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        out = Tick.empty(tick)
        replies = []
        for request in requests:
            try:
                status, doc, logged = self._apply(request.kind, request.target, request.body)
            except OmsimError as exc:
                status, doc, logged = 409, [str(exc)], None
            if logged is not None:
                out.commands.append((request.kind, request.target, json.dumps(request.body),
                                     logged))
            if request.kind == "hub_add" and status == 201:
                out.hubs_added.append((doc["id"], doc["callback"], doc.get("query", "")))
            elif request.kind == "hub_remove" and status == 204:
                out.hubs_removed.append(request.target)
            replies.append((request, status, doc))
        self.read_model.collect(out)
        for cancel_id in sorted(self._dirty_cancels):
            state = self.cancels[cancel_id]
            out.documents.append(Document("cancelProductOrder", cancel_id, state.state,
                                          state.cancellation.order_id,
                                          json.dumps(self._cancel_view(state))))
        self._dirty_cancels.clear()
        if out:
            # The writer thread commits it and then replies: the fsync is off the clock's
            # path, and ticks queued behind a slow disk go in one group commit.
            self._commits.put((out, replies))
        else:
            for request, status, doc in replies:
                request.reply.set_result((status, doc))

    def _write(self) -> None:
        """The writer thread: commit ticks in order, then send their replies."""
        while (job := self._commits.get()) is not None:
            jobs = [job]
            while True:
                try:
                    more = self._commits.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._commits.put(None)  # stop after this batch
                    break
                jobs.append(more)
            try:
                self.store.write([tick for tick, _ in jobs])
            except Exception as exc:  # the disk failed: nothing was acknowledged
                self.error = exc
                traceback.print_exc()
                for _, replies in jobs:
                    for request, _, _ in replies:
                        request.reply.set_exception(LiveError(f"database write failed: {exc}"))
                continue
            for _, replies in jobs:
                for request, status, doc in replies:
                    request.reply.set_result((status, doc))

    # -- applying requests -------------------------------------------------------------
    def _apply_logged(self, command: Command) -> None:
        _, _, result = self._apply(command.kind, command.target, command.body)
        if result != command.result:
            raise LiveError(f"{self.store.path}: replaying command {command.seq} "
                            f"({command.kind} {command.target}) gave {result!r}, the log "
                            f"says {command.result!r}; the code or scenario changed")

    def _apply(self, kind: str, target: str, body: dict[str, Any]
               ) -> tuple[int, Any, str | None]:
        """(status, reply, what to log or None) for one request, in the clock thread."""
        om = self.run.om
        if kind == "create":
            order = tmf_orders.new_order(om, body)
            self.orders[order.id] = order
            self.payloads[order.id] = body
            first = order.items[0].offering or "unknown"
            self.run.metrics.order_submitted(
                order, f"{first} (bulk)" if len(order.items) > 1 else first)
            om.submit(order)
            self.read_model.requested(order.id)
            return 201, self.views.product_order(order, body), order.id
        if kind == "hub_add":
            listener = Listener(self._hub_ids(), body["callback"], body.get("query") or "")
            self.hub.add(listener)
            return 201, {"id": listener.id, "callback": listener.callback,
                         "query": listener.query}, None
        if kind == "hub_remove":
            if target not in self.hub.listeners:
                return 404, [f"no hub listener '{target}'"], None
            self.hub.remove(target)
            return 204, None, None
        if kind == "cancel":
            return self._cancel(body)
        order = self.orders.get(target)
        if order is None or target in self.deleted:
            return 404, [f"no productOrder '{target}'"], None
        if kind == "delete":
            if not tmf_orders.is_terminal(order):
                return 409, [f"productOrder {target} is {order.state}: only a finished order "
                             f"can be deleted (use cancelProductOrder)"], None
            self.deleted.add(target)
            self.read_model.requested(target)
            return 204, None, target
        if kind == "patch":
            status, problems = tmf_orders.patch_problems(order, body)
            if problems:
                return status, problems, None
            payload = self.payloads.setdefault(target, {})
            for key, value in body.items():
                if key != "productOrderItem":
                    payload[key] = value
            refusals = [f"productOrderItem {item_id}: {refusal}"
                        for item_id, changed in tmf_orders.amendments(
                            order, body.get("productOrderItem") or [])
                        if (refusal := tmf_orders.amend(om, order, item_id, changed))]
            self.read_model.requested(target)
            # Logged either way: a refused amendment is recorded on the order too.
            if refusals:
                return 409, refusals, target
            return 200, self.views.product_order(order, payload), target
        raise ValueError(f"unknown request kind {kind!r}")  # a bug in the API layer

    def _cancel(self, body: dict[str, Any]) -> tuple[int, Any, str | None]:
        order_id = str(body["productOrder"]["id"])
        order = self.orders.get(order_id)
        if order is None or order_id in self.deleted:
            return 400, [f"productOrder.id: no productOrder '{order_id}'"], None
        reason = str(body.get("cancellationReason") or "")
        cancellation = Cancellation(self._cancel_ids(), order_id, reason, self.env.now, body)
        state = _CancelState(cancellation)
        self.cancels[cancellation.id] = state
        refusal = tmf_orders.cancel(self.run.om, order, reason)
        if refusal:
            state.state, state.reason = "terminatedWithError", refusal
        else:  # accepted: done once the order has stopped and compensated
            state.state = "inProgress"
            self._cancelling.setdefault(order_id, []).append(state)
        self._dirty_cancels.add(cancellation.id)
        self._publish_cancel(state)
        return 201, self._cancel_view(state), cancellation.id

    def _cancel_done(self, order: ProductOrder) -> None:
        for state in self._cancelling.pop(order.id, ()):
            if order.state.value == "cancelled":
                state.state, state.effective_s = "done", self.env.now
            else:
                state.state = "terminatedWithError"
                state.reason = f"the order ended {order.state} before it could stop"
            self._dirty_cancels.add(state.cancellation.id)
            self._publish_cancel(state)

    def _cancel_view(self, state: _CancelState) -> dict[str, Any]:
        return self.views.cancellation(state.cancellation, state.state, state.effective_s,
                                       state.reason)

    # -- events ------------------------------------------------------------------------
    def _background_order(self, order: ProductOrder, label: str) -> None:
        self.orders[order.id] = order
        self.run.metrics.order_submitted(order, label)

    def _on_state(self, event: StateChanged) -> None:
        self.read_model.changed(event)
        order_id = event.correlation_id.partition("/")[0]
        if event.entity == "productOrder" and order_id in self._cancelling and \
                event.new in _TERMINAL:
            self._cancel_done(self.orders[order_id])
        if event.entity == "productOrder" and not self.replaying and self.hub.listeners:
            order = self.orders.get(order_id)
            if order is None:
                return
            kind = "ProductOrderCreateEvent" if not event.old else event.event_type
            self.hub.publish(kind, "productOrder",
                             self.views.product_order(order, self.payloads.get(order_id)))

    def _publish_cancel(self, state: _CancelState) -> None:
        if not self.replaying and self.hub.listeners:
            self.hub.publish("CancelProductOrderStateChangeEvent", "cancelProductOrder",
                             self._cancel_view(state))
