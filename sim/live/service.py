"""Live mode: the order manager and the emulated network on a real-time clock, fed by
the REST API (:mod:`sim.live.api`), with everything that matters kept in SQLite.

Threads. The simulation runs in one thread on a :class:`sim.live.clock.LiveClock`
(``speed`` simulated seconds per wall second). The API never touches om objects: it puts
a :class:`~sim.live.requests.Request` on a thread-safe queue and waits for the reply. A
SimPy process, the *tick*, wakes every few wall milliseconds, applies the queued
requests in arrival order (one method per request :class:`~sim.live.requests.Kind`) and
hands what changed (:mod:`sim.live.read_model`, :mod:`sim.live.cancels`) with the
replies to the writer thread (:mod:`sim.live.writer`), which commits it and only then
replies, tick after tick. So an order acknowledged with 201 is already on disk, and the
API serves reads from the database alone. If a thread the service needs dies, the
service stops taking writes and says why (:mod:`sim.live.health`).

One bad request. A request that makes the order manager raise is answered 500, logged
as a failed command with its error (a replay fails the same way) and the clock goes on;
so does a SimPy process that raises.

Memory. An order that ended leaves memory once its final documents are committed; later
requests about it (GET, PATCH, cancel, DELETE) are answered from the database.

Restart. SimPy processes cannot be saved, so the database keeps the command log (what
each tick applied). On start with an existing database the run is rebuilt from the same
scenario and seed, the log is replayed tick by tick as fast as the CPU allows, and the
state reached at the last committed tick is checked against the persisted one (every
pool slot held, every order state). Only then does the clock go live, from the
simulated time of that tick: in-flight orders carry on from exactly where they were, and
no slot is held twice or lost.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import math
import queue
import threading
import time
import traceback
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from om import OmsimError, ProductOrder, StateChanged
from om.events import EscalationRaised, PartnerOrderChanged
from om.ids import IdSource
from om.orders import TERMINAL, prune
from om.partners import PartnerGateway, PartnerPolicy
from sim.live import orders as tmf_orders
from sim.live.cancels import Cancellations
from sim.live.clock import LiveClock
from sim.live.faults import FaultTimeline
from sim.live.figures import History, LiveFigures
from sim.live.health import Health
from sim.live.hub import MAX_LISTENERS, Hub, Listener
from sim.live.idempotency import IdempotencyKeys
from sim.live.limits import attributes_problem
from sim.live.read_model import ReadModel
from sim.live.requests import CREATES, Kind, LiveError, Request, Stored
from sim.live.store import Command, Reader, Store, Tick
from sim.live.views import Views, epoch_now
from sim.live.writer import Writer, reply
from sim.run.harness import Run, SouthboundFactory, build_run
from sim.scenario.schema import Scenario

TICK_WALL_S = 0.005  # how often the clock looks for requests, in wall seconds
MAX_REQUESTS_PER_TICK = 2000
MAX_SPEED = 1_000_000.0  # a simulated year in about 32 wall seconds

# (status, reply, what the command log keeps as the result or None) of one request
Outcome = tuple[int, Any, str | None]


def _failure(exc: BaseException) -> str:
    """The logged result of a command that raised (the type only: a message may hold
    addresses that differ on replay)."""
    return f"error: {type(exc).__name__}"


class LiveService:
    """One live run: build it, :meth:`start` it (replays first), :meth:`submit`
    requests, :meth:`stop` it."""

    def __init__(self, scenario: Scenario, db: Path, speed: float = 3600.0,
                 background_arrivals: bool = False, hub: Hub | None = None,
                 southbound: SouthboundFactory | None = None,
                 partners: dict[str, Any] | None = None) -> None:
        """``southbound``: the port ROM provisions through instead of the simulated
        elements (``omsim serve --southbound``; it may have ``attach(om)``, ``stats()``
        for ``/omsim/status`` and ``close()``). ``partners``: real partners by the
        catalog's partner name, each replacing the emulated one in the partner gateway
        (``omsim serve --partner``; each a :class:`sim.partners.RemotePartner`, opened
        and closed by the caller)."""
        self.southbound = southbound
        self.partners = partners or {}
        if not (math.isfinite(speed) and 0 < speed <= MAX_SPEED):
            raise LiveError(f"speed: must be a number above 0 and at most "
                            f"{MAX_SPEED:,.0f}, got {speed}")
        self.store = Store(db)
        try:
            self._build(scenario, speed, background_arrivals, hub)
        except BaseException:
            self.store.close()
            raise

    def _build(self, scenario: Scenario, speed: float, background_arrivals: bool,
               hub: Hub | None) -> None:
        self.health = Health()
        self.speed = speed
        self.scenario_name = scenario.name
        self.hub = hub or Hub()
        self.hub.on_failure = self.health.fail
        meta = self._meta(scenario, speed, background_arrivals)
        self.tick_s = float(meta["tick_s"])
        self.background_arrivals = meta["background_arrivals"] == "1"
        self.views = Views(datetime.fromisoformat(meta["epoch"]))
        self._load_log(int(meta.get("tick", "-1")))
        self.env = LiveClock(speed, catching_up=self.replaying)
        self._build_run(scenario)
        self._build_state()
        self._build_threads()
        self._handlers: dict[str, Callable[[str, dict[str, Any], Any], Outcome]] = {
            Kind.CREATE: self._create, Kind.PATCH: self._patch, Kind.DELETE: self._delete,
            Kind.CANCEL: self._cancel, Kind.HUB_ADD: self._hub_add,
            Kind.HUB_REMOVE: self._hub_remove,
            Kind.FAULT_ADD: lambda target, body, prepared: self.faults.add(body),
            Kind.FAULT_END: lambda target, body, prepared: self.faults.end(target)}

    def _load_log(self, committed_tick: int) -> None:
        """The command log, by tick, to replay up to the last committed tick."""
        self._replay: dict[int, list[Command]] = defaultdict(list)
        commands = self.store.commands()
        for command in commands:
            self._replay[command.tick].append(command)
        self.replayed_commands = len(commands)
        self.replay_s = 0.0
        self._replay_to = committed_tick
        self.replaying = committed_tick >= 0

    def _build_run(self, scenario: Scenario) -> None:
        """The scenario's run on the live clock; background traffic (if any) registers
        its orders here too, so that the API can show them."""
        self.run: Run = build_run(scenario, env=self.env, arrivals=self.background_arrivals,
                                  southbound=self.southbound)
        if hasattr(self.wire_port, "attach"):
            self.wire_port.attach(self.run.om)
        self._real_partners()
        self.run.om.bus.subscribe(StateChanged, self._on_state)
        self.run.om.bus.subscribe(EscalationRaised, self._on_escalation)
        self.run.channel.on_submit = self._background_order
        if self.run.churn is not None:
            self.run.churn.stopped = not self.background_arrivals
        for listener_id, callback, query in self.store.hubs():
            self.hub.add(Listener(listener_id, callback, query))
        # Faults on cue (POST /omsim/faults): with --southbound they act in the emulator.
        self.faults = FaultTimeline(self.run, scenario.faults, scenario.seed,
                                    over_the_wire=self.southbound is not None)

    def _real_partners(self) -> None:
        """Put the real partners in the partner gateway, in place of the emulated ones,
        with the gateway's waits for an answer stretched to what the wire needs."""
        if not self.partners:
            return
        gateway = self.port
        known = getattr(gateway, "partners", {})
        for name, remote in self.partners.items():
            if name not in known:
                raise LiveError(f"partner: the scenario's catalog names no partner "
                                f"'{name}' (it names: {', '.join(sorted(known)) or 'none'})")
            known[name] = remote.attach(self.env)
            gateway.policies[name] = remote.policy(
                gateway.policies.get(name) or PartnerPolicy())

    def _build_state(self) -> None:
        """What the clock thread keeps about orders, cancellations and keys."""
        self.orders: dict[str, ProductOrder] = {}  # in flight, or ended and not yet committed
        self.payloads: dict[str, dict[str, Any]] = {}  # what the client sent, by order id
        self.deleted: dict[str, int] = {}  # order id -> tick, until that tick is committed
        self._ended: deque[tuple[int, str]] = deque()  # (tick its end is written, order id)
        self.cancels = Cancellations(self.views, self._publish_cancel,
                                     lambda: not self.replaying and bool(self.hub.listeners))
        self._hub_ids = IdSource("HUB", start=1 + max(
            (int(x.rpartition("-")[2]) for x in self.hub.listeners), default=0))
        self.read_model = ReadModel(self.run.om, self.views, self.orders, self.payloads,
                                    self.deleted)
        self.run.om.bus.subscribe(PartnerOrderChanged, self.read_model.partner_order)
        self._reader = Reader(self.store.path)  # the clock thread's own connection
        self.keys = IdempotencyKeys(self._reader.idempotency)
        self.failed_commands = 0
        self.fallout_by_cause: Counter[str] = Counter()  # ended orders by root cause
        self.tick = -1
        # What the dashboard and /metrics show (counted during a replay too).
        self.figures = LiveFigures(self.run, lambda order_id: self.orders.get(order_id))
        self.history = History(self.figures)

    def _build_threads(self) -> None:
        """The clock and writer threads (not started) and the tick process."""
        self._inbox: queue.SimpleQueue[Request] = queue.SimpleQueue()
        self._halt = self.env.event()
        self._stopping = False
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        stopping = lambda: self._stopping  # noqa: E731 - a thread that ends then is fine
        self._thread = threading.Thread(name="omsim-clock", daemon=True,
                                        target=self.health.guard("clock", self._loop, stopping))
        self.writer = Writer(self.store, self.health, self._replay_to, LiveError)
        self._writer = threading.Thread(name="omsim-writer", daemon=True,
                                        target=self.health.guard("writer", self.writer.run,
                                                                 stopping))
        self.env.vital = self.env.process(self._ticks())

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
                            f"(or another version of it); start with a fresh database")
        return meta

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, timeout_s: float = 300.0,
              progress: Callable[[float, float, int], None] | None = None) -> None:
        """Start the threads; return once any replay is done and the clock is live.
        ``progress`` hears how far a replay is, a few times a second: (simulated seconds
        replayed, simulated seconds to replay, orders so far)."""
        self._writer.start()
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        total_s = self._replay_to * self.tick_s
        while not self._ready.wait(0.1):
            if time.monotonic() >= deadline:
                raise LiveError(f"replay of the command log took over {timeout_s:g} s")
            if progress is not None and self.replaying:
                progress(min(self.env.now, total_s), total_s, self.figures.submitted)
        if progress is not None and total_s > 0:
            progress(total_s, total_s, self.figures.submitted)
        if self._start_error is not None:
            raise self._start_error
        if self.health.problem is not None:
            raise LiveError(self.health.problem)

    @property
    def port(self) -> Any:
        """The southbound port ROM provisions through."""
        return self.run.om.rom.southbound

    @property
    def wire_port(self) -> Any:
        """The port over the wire (``--southbound``), also when the partner gateway
        stands in front of it (a catalog with partners); None without one."""
        if self.southbound is None:
            return None
        port = self.port
        return port.southbound if isinstance(port, PartnerGateway) else port

    def stop(self) -> None:
        self._stopping = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if hasattr(self.wire_port, "close"):
            self.wire_port.close()
        self.writer.close()
        if self._writer.is_alive():
            self._writer.join(timeout=30)
        self.hub.close()
        self._reader.close()
        self.store.close()

    def submit(self, request: Request) -> concurrent.futures.Future:
        """Hand ``request`` to the clock thread (thread-safe)."""
        if self.health.problem is not None:
            request.reply.set_exception(LiveError(self.health.problem))
        elif self._stopping:
            request.reply.set_exception(LiveError("the service is stopping"))
        else:
            self._inbox.put(request)
        return request.reply

    @property
    def now_s(self) -> float:
        return self.env.now

    @property
    def healthy(self) -> bool:
        if self.health.healthy and self._writer.is_alive() and self._thread.is_alive():
            dead = self.hub.dead()
            if dead:
                self.health.fail(f"the hub delivery thread of {dead[0]} is gone")
        return self.health.healthy

    def _loop(self) -> None:
        began = time.monotonic()
        try:
            if not self.replaying:
                self._go_live(began)
            self.env.run(until=self._halt)
        except LiveError as exc:  # a replay that diverged: start() says why
            self._start_error = exc
            self.health.fail(str(exc))
        finally:
            self._ready.set()
            while True:  # nobody waits forever for a reply
                try:
                    reply(self._inbox.get_nowait().reply,
                          error=LiveError(self.health.problem or "the simulation stopped"))
                except queue.Empty:
                    break

    def _go_live(self, began: float) -> None:
        if self.replaying:
            self.replaying = False
            # What ended during the replay is on disk already; the client's own text of
            # what is still in flight is in its document (the log has only what om needs).
            self._evict()
            bodies = self._reader.bodies("productOrder", [i for i in self.payloads
                                                          if i in self.orders])
            self.payloads.update((i, json.loads(b)) for i, b in bodies.items())
        self.env.go_live()
        self.replay_s = time.monotonic() - began
        self._ready.set()

    # -- the tick ----------------------------------------------------------------------
    def _ticks(self) -> Any:
        tick, began = 0, time.monotonic()
        while not self._stopping:
            self.tick = tick
            if self.replaying:
                for command in self._replay.pop(tick, ()):
                    self._apply_logged(command)
                if tick == self._replay_to:
                    problem = self.read_model.verify(self.store, self._reader)
                    if problem:
                        raise LiveError(problem)
                    self._go_live(began)
            else:
                self._serve(tick)
                self.history.maybe_sample(self.env.now)
            tick += 1
            yield self.env.timeout(self.tick_s)
        self._halt.succeed()

    def _serve(self, tick: int) -> None:
        self._evict()
        requests = []
        while len(requests) < MAX_REQUESTS_PER_TICK:
            try:
                requests.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        out = Tick.empty(tick)
        replies = [(request, *self._answer(request, out)) for request in requests]
        self.read_model.collect(out)
        self.cancels.collect(out)
        if out or replies:
            # The writer thread commits it and then replies, in tick order: the fsync is
            # off the clock's path, and no reply overtakes the commit of an earlier tick.
            self.writer.put((out, replies))

    def _answer(self, request: Request, out: Tick) -> tuple[int, Any]:
        """Apply one request (or recognise a repeat of one) and add it to ``out``."""
        kind, target, body = request.kind, request.target, request.body
        if request.key:
            seen = self.keys.find(request.key)
            if seen is not None:
                fingerprint, collection, created = seen
                if fingerprint != request.fingerprint:
                    return 409, [f"Idempotency-Key '{request.key}': already used for another "
                                 f"request, which created {collection} {created}"]
                return 201, Stored(collection, created, replayed=True)
        try:
            status, doc, logged = self._apply(kind, target, body, request.prepared)
        except OmsimError as exc:
            status, doc, logged = 409, [str(exc)], None
        except Exception as exc:  # a bug: this request fails, the service goes on
            traceback.print_exc()
            self.failed_commands += 1
            status, logged = 500, _failure(exc)
            doc = [f"the order manager failed on this request ({type(exc).__name__}: "
                   f"{exc}); it is recorded as failed and the service goes on"]
        if logged is not None:
            loggable = (request.prepared.command if request.prepared is not None
                        else self._loggable(kind, body))
            out.commands.append((kind, target, loggable, logged))
            if request.key and status == 201:
                seen = (request.fingerprint, CREATES[kind], logged)
                self.keys.remember(out.tick, request.key, seen)
                out.keys.append((request.key, *seen))
        if kind == Kind.HUB_ADD and status == 201:
            out.hubs_added.append((doc["id"], doc["callback"], doc.get("query", "")))
        elif kind == Kind.HUB_REMOVE and status == 204:
            out.hubs_removed.append(target)
        return status, doc

    @staticmethod
    def _loggable(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """What the command log keeps of a request: for orders, only what om acts on."""
        if kind == Kind.CREATE:
            return tmf_orders.command_body(body)
        if kind == Kind.PATCH:
            items = tmf_orders.command_body(body).get("productOrderItem")
            return {"productOrderItem": items} if items is not None else {}
        return body

    # -- applying requests -------------------------------------------------------------
    def _apply_logged(self, command: Command) -> None:
        try:
            _, _, result = self._apply(command.kind, command.target, command.body)
        except Exception as exc:  # as it did live: see _answer
            self.failed_commands += 1
            result = _failure(exc)
        if result != command.result:
            raise LiveError(f"{self.store.path}: replaying command {command.seq} "
                            f"({command.kind} {command.target}) gave {result!r}, the log "
                            f"says {command.result!r}; the code or scenario changed")

    def _apply(self, kind: str, target: str, body: dict[str, Any],
               prepared: tmf_orders.PreparedOrder | None = None) -> Outcome:
        """(status, reply, what to log or None) for one request, in the clock thread."""
        handler = self._handlers.get(kind)
        if handler is None:
            raise ValueError(f"unknown request kind {kind!r}")  # a bug in the API layer
        return handler(target, body, prepared)

    def _create(self, target: str, body: dict[str, Any],
                prepared: tmf_orders.PreparedOrder | None) -> Outcome:
        om = self.run.om
        order = tmf_orders.new_order(om, body, prepared)
        self.orders[order.id] = order
        self.payloads[order.id] = body
        om.submit(order)
        self.read_model.requested(order.id)
        return 201, Stored("productOrder", order.id), order.id

    def _hub_add(self, target: str, body: dict[str, Any], prepared: Any) -> Outcome:
        if len(self.hub.listeners) >= MAX_LISTENERS:
            return 409, [f"hub: {MAX_LISTENERS} listeners registered, the most one "
                         f"server delivers to; remove one first"], None
        listener = Listener(self._hub_ids(), body["callback"], body.get("query") or "")
        self.hub.add(listener)
        return 201, {"id": listener.id, "callback": listener.callback,
                     "query": listener.query}, None

    def _hub_remove(self, target: str, body: dict[str, Any], prepared: Any) -> Outcome:
        if target not in self.hub.listeners:
            return 404, [f"no hub listener '{target}'"], None
        self.hub.remove(target)
        return 204, None, None

    def _delete(self, target: str, body: dict[str, Any], prepared: Any) -> Outcome:
        found = self._find(target)
        if found is None:
            return 404, [f"no productOrder '{target}'"], None
        if isinstance(found, ProductOrder) and not tmf_orders.is_terminal(found):
            return 409, [f"productOrder {target} is {found.state}: only a finished "
                         f"order can be deleted (use cancelProductOrder)"], None
        self.deleted[target] = self.tick
        self.read_model.requested(target)
        return 204, None, target

    def _find(self, order_id: str) -> ProductOrder | str | None:
        """The order, or the state of one that ended and left memory, or None."""
        if order_id in self.deleted:
            return None
        order = self.orders.get(order_id)
        if order is not None or self.replaying:  # a replay holds every order it made
            return order
        return self._reader.state("productOrder", order_id)

    def _patch(self, target: str, body: dict[str, Any], prepared: Any) -> Outcome:
        order = self._find(target)
        if order is None:
            return 404, [f"no productOrder '{target}'"], None
        if isinstance(order, str):  # ended and left memory
            problems = tmf_orders.attribute_problems(body)
            if problems:
                return 400, problems, None
            return 409, [f"productOrder {target} is {order}: it can no longer change"], None
        status, problems = tmf_orders.patch_problems(order, body)
        if problems:
            return status, problems, None
        payload = self.payloads.setdefault(target, {})
        merged = {**payload, **{k: v for k, v in body.items() if k != "productOrderItem"}}
        problem = attributes_problem(merged)
        if problem:
            return 413, [problem], None
        payload.update(merged)
        refusals = [f"productOrderItem {item_id}: {refusal}"
                    for item_id, changed in tmf_orders.amendments(
                        order, body.get("productOrderItem") or [])
                    if (refusal := tmf_orders.amend(self.run.om, order, item_id, changed))]
        self.read_model.requested(target)
        # Logged either way: a refused amendment is recorded on the order too.
        if refusals:
            return 409, refusals, target
        return 200, Stored("productOrder", target), target

    def _cancel(self, target: str, body: dict[str, Any], prepared: Any) -> Outcome:
        order_id = str(body["productOrder"]["id"])
        order = self._find(order_id)
        if order is None:
            return 404, [f"productOrder.id: no productOrder '{order_id}'"], None
        reason = str(body.get("cancellationReason") or "")
        if isinstance(order, str):  # ended and left memory: what om answers for it
            refusal = f"order is already {order}"
        else:
            refusal = tmf_orders.cancel(self.run.om, order, reason)
        cancel_id = self.cancels.add(order_id, reason, self.env.now, body, refusal)
        return 201, Stored("cancelProductOrder", cancel_id), cancel_id

    # -- memory ------------------------------------------------------------------------
    def _evict(self) -> None:
        """Orders whose end is committed leave memory (their documents are final)."""
        committed = self.writer.committed_tick
        self.keys.committed(committed)
        while self._ended and self._ended[0][0] <= committed:
            _, order_id = self._ended.popleft()
            order = self.orders.get(order_id)
            if order is None or not tmf_orders.is_terminal(order) or \
                    self.cancels.pending(order_id):
                continue
            del self.orders[order_id]
            self.payloads.pop(order_id, None)
            self.read_model.forget(order_id)
            prune(order)  # freed now, not at the collector's next full pass
        if self.deleted:
            for order_id in [i for i, t in self.deleted.items()
                             if t <= committed and i not in self.orders]:
                del self.deleted[order_id]

    # -- events ------------------------------------------------------------------------
    def _background_order(self, order: ProductOrder, label: str) -> None:
        self.orders[order.id] = order

    def _on_state(self, event: StateChanged) -> None:
        self.read_model.changed(event)
        order_id = event.correlation_id.partition("/")[0]
        if event.entity != "productOrder":
            return
        if event.new in TERMINAL:
            ended = self.orders.get(order_id)
            if ended is not None and ended.fallout_cause is not None:
                self.fallout_by_cause[ended.fallout_cause] += 1
            if self.cancels.pending(order_id):
                self.cancels.order_ended(self.orders[order_id], self.env.now)
            # Its final document goes with the next tick (this one while replaying,
            # whose ticks are all on disk).
            self._ended.append((self._replay_to if self.replaying else self.tick + 1,
                                order_id))
        if not self.replaying and self.hub.listeners:
            order = self.orders.get(order_id)
            if order is None:
                return
            kind = "ProductOrderCreateEvent" if not event.old else event.event_type
            self.hub.publish(kind, "productOrder",
                             self.views.product_order(order, self.payloads.get(order_id)))

    def _on_escalation(self, event: EscalationRaised) -> None:
        """The escalation rule ``notify``: the hub tells the listeners that the order is
        in jeopardy (a ProductOrderJeopardyEvent carrying the order)."""
        if event.action != "notify" or self.replaying or not self.hub.listeners:
            return
        order = self.orders.get(event.order_id)
        if order is not None:
            self.hub.publish("ProductOrderJeopardyEvent", "productOrder",
                             self.views.product_order(order, self.payloads.get(order.id)))

    def _publish_cancel(self, view: dict[str, Any]) -> None:
        self.hub.publish("CancelProductOrderStateChangeEvent", "cancelProductOrder", view)

    # -- status ------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """What ``/omsim/status`` shows."""
        healthy = self.healthy
        return {"healthy": healthy, "error": self.health.problem,
                "simulatedSeconds": round(self.now_s, 3), "tick": self.tick,
                "replaying": self.replaying, "replayedCommands": self.replayed_commands,
                "replaySeconds": round(self.replay_s, 3),
                "ordersInMemory": len(self.orders), "failedCommands": self.failed_commands,
                "processErrors": self.env.process_errors,
                "documentErrors": self.read_model.errors,
                "documentsPending": self.read_model.backlog,
                "resourcesHeld": len(self.run.om.resources.by_id), "hub": self.hub.stats(),
                "falloutByCause": dict(sorted(self.fallout_by_cause.items())),
                **({"southbound": self.wire_port.stats()}
                   if hasattr(self.wire_port, "stats") else {}),
                **({"partners": {name: remote.stats() for name, remote in
                                 self.partners.items()}} if self.partners else {})}

