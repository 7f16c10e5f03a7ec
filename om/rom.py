"""ROM: resource order management (TMF652). Every ResourceOrder state decision is here.

For each item, in catalog order: reserve the slots its RFS draws from (ONT id on the
serving PON port, C-VLAN under the line card's S-VLAN, BNG session, IPv4 address,
telephone number), activate it on its element through the southbound port, then commit
the reservations.

Activation follows the adapter's :class:`RetryPolicy`: a request unanswered within the
timeout, refused, or unreachable is re-sent after an exponential backoff with jitter.
Activation is idempotent on the element side, so a retry after a lost answer does not
configure twice. An item that fails for good goes to the fallout work queue (``held``)
when there is one; a successful manual fix resumes it once. Otherwise it fails, and what
the order already reserved or activated is compensated, newest first.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Generator, Sequence
from sys import intern
from typing import Any

import simpy

from network_model import Network, PoolExhausted
from om.errors import SouthboundError
from om.events import EventBus, RetryMade
from om.fallout import (
    NO_RETRY,
    RETRYABLE,
    FalloutCause,
    FalloutQueue,
    Layer,
    RetryPolicy,
    record_fallout,
)
from om.ids import IdSource
from om.inventory import ResourceInventory
from om.orders import (
    Action,
    Activation,
    ResourceOrder,
    ResourceOrderItem,
    ServiceOrderItem,
    State,
)
from om.southbound import Southbound
from om.transitions import advance, cancel

Failure = tuple[FalloutCause, str, tuple[str, int] | None]  # cause, detail, conflict


_TIMED_OUT = "timed out"  # the cause of the interrupt that ends a wait for an answer


def _defuse(event: simpy.Event) -> None:
    # An answer that arrives after ROM gave up must not crash the simulation.
    if not event.ok:
        event.defused = True


class Rom:
    """Fulfils resource orders against the resource inventory and the southbound port."""

    def __init__(self, env: simpy.Environment, network: Network, southbound: Southbound,
                 resources: ResourceInventory, bus: EventBus,
                 policies: dict[str, RetryPolicy] | None = None,
                 fallout_queue: FalloutQueue | None = None,
                 rng: random.Random | None = None) -> None:
        self.env = env
        self.network = network
        self.southbound = southbound
        self.resources = resources
        self.bus = bus
        self.policies = policies or {}
        self.fallout_queue = fallout_queue
        self._rng = rng or random.Random(0)
        self.order_ids = IdSource("RO")
        self.running: dict[str, simpy.Process] = {}  # add orders in flight, for cancellation

    def decompose(self, service_item: ServiceOrderItem) -> ResourceOrder:
        """The resource order for one service order item: one item per RFS of its CFS."""
        order = ResourceOrder(self.order_ids(), service_item, self.env.now)
        port = self.network.serving_port(service_item.product_item.place)
        # No port of ours: COM let it through as off-net (a partner's line reaches it).
        for n, spec in enumerate(service_item.plan.rfs_at(off_net=port is None), 1):
            item = ResourceOrderItem(str(n), order, Action.ADD, spec)
            item.target = self._target(spec.element, port)
            order.items.append(item)
        service_item.resource_order = order
        return order

    def _target(self, element_kind: str, port: Any) -> str:
        """The element instance for an RFS at ``port``: one string per element, shared by
        every item and record that names it (the service inventory keeps one per RFS)."""
        return intern(self.network.element_for(element_kind, port))

    def fulfil(self, order: ResourceOrder) -> simpy.Process:
        """Start fulfilling ``order``; the process's value is its final state."""
        return self.env.process(self._run(order))

    def _run(self, order: ResourceOrder) -> Generator[simpy.Event, Any, State]:
        env = self.env
        advance(self.bus, order, State.IN_PROGRESS, env.now)
        done: list[ResourceOrderItem] = []
        product_order = order.service_item.product_item.order
        for item in order.items:
            if product_order.cancelling:  # cancelProductOrder accepted: stop at this boundary
                return (yield from self._stop_for_cancellation(order))
            advance(self.bus, item, State.IN_PROGRESS, env.now)
            failure = yield from self._fulfil_item(item)
            if failure is not None:
                yield from self._compensate([*done, item])
                advance(self.bus, item, State.FAILED, env.now)
                for rest in order.items:
                    if rest.state is State.ACKNOWLEDGED:
                        advance(self.bus, rest, State.CANCELLED, env.now)
                order.completion_date_s = env.now
                advance(self.bus, order, State.FAILED, env.now)
                return order.state
            for resource in item.reservations:
                self.resources.commit(resource)
            advance(self.bus, item, State.COMPLETED, env.now)
            done.append(item)
        order.completion_date_s = env.now
        advance(self.bus, order, State.COMPLETED, env.now)
        return order.state

    def rollback(self, order: ResourceOrder) -> simpy.Process:
        """Undo a completed resource order (order policy: fail the whole product order)."""
        return self.env.process(self._compensate(list(order.items)))

    # -- one item ---------------------------------------------------------------------
    def _fulfil_item(self, item: ResourceOrderItem
                     ) -> Generator[simpy.Event, Any, Failure | None]:
        """Reserve and activate ``item``, with retries and at most one manual fix."""
        product_item = item.order.service_item.product_item
        order = product_item.order
        worked = False
        while True:
            failure = yield from self._try(item)
            if failure is None:
                return None
            cause, detail, conflict = failure
            record_fallout(self.bus, order, Layer.ROM, cause, item.key, item.correlation_id,
                           product_item.offering, self.env.now, detail)
            if self.fallout_queue is None or worked:
                return failure
            worked = True
            advance(self.bus, item, State.HELD, self.env.now)
            order.manual_touches += 1
            fixed = yield self.fallout_queue.work(order.id, item.key, cause)
            if not fixed:
                return failure
            self._repair(item, conflict)
            advance(self.bus, item, State.IN_PROGRESS, self.env.now)

    def _try(self, item: ResourceOrderItem) -> Generator[simpy.Event, Any, Failure | None]:
        """One round: reserve what is missing, then activate per the adapter's policy."""
        env = self.env
        if not item.reservations:
            try:
                self._reserve(item)
            except PoolExhausted as exc:
                self._release(item)
                return (FalloutCause.RESOURCE_EXHAUSTED, f"pool {exc} is full", None)
        policy = self.policies.get(item.spec.element, NO_RETRY)
        attempt = 0
        while True:
            attempt += 1
            item.attempts += 1
            item.activated = True  # from now on the element may hold configuration
            activation = self.southbound.activate(item)
            try:
                if policy.has_timeout:
                    yield from self._answer_within(activation, item, policy.timeout_s)
                else:
                    yield activation
                return None
            except SouthboundError as exc:
                if exc.cause not in RETRYABLE or attempt >= policy.attempts:
                    return (exc.cause, exc.detail or exc.element, exc.conflict)
                self.bus.emit(RetryMade(item.order.service_item.product_item.order.id,
                                        item.key, exc.cause.value, attempt, env.now))
                wait = policy.backoff(attempt, self._rng.random())
                if wait > 0:
                    yield env.timeout(wait)

    def _answer_within(self, activation: simpy.Event, item: ResourceOrderItem,
                       timeout_s: float) -> Generator[simpy.Event, Any, None]:
        """Wait for ``activation``; past ``timeout_s`` give up on it (TIMEOUT).

        The timer interrupts this process if it is still waiting then, rather than a
        condition of the two: that is one SimPy event fewer per activation (the timer
        itself still goes off, for nothing, when the answer came first).
        """
        process = self.env.active_process
        timer = self.env.timeout(timeout_s, _TIMED_OUT)
        timer.callbacks.append(lambda _: process.target is activation
                               and process.interrupt(_TIMED_OUT))
        try:
            yield activation
        except simpy.Interrupt as interrupt:
            if interrupt.cause is not _TIMED_OUT:
                raise  # a cancellation (Rom.cancel)
            activation.callbacks.append(_defuse)
            raise SouthboundError(item.key, FalloutCause.TIMEOUT, item.target,
                                  f"no answer within {timeout_s:g} s") from None

    def _reserve(self, item: ResourceOrderItem) -> None:
        port = self.network.serving_port(item.place)
        for kind in item.spec.pools:
            pool = self.network.pool_for(kind, port)
            item.reservations.append(
                self.resources.reserve(pool, item.target, item.correlation_id, self.env.now))

    def _release(self, item: ResourceOrderItem) -> None:
        for resource in reversed(item.reservations):
            self.resources.release(resource)
        item.reservations.clear()

    def _repair(self, item: ResourceOrderItem, conflict: tuple[str, int] | None) -> None:
        """What the operations fix changed: a slot the network already used is
        reconciled into the inventory (never handed out again), and the item reserves
        afresh; any other fix simply lets the item try again."""
        if conflict is None:
            return
        for resource in item.reservations:
            if (resource.pool.name, resource.slot) == conflict:
                self.resources.reconcile(resource)
        self._release_except_reconciled(item)

    def _release_except_reconciled(self, item: ResourceOrderItem | Activation) -> None:
        for resource in reversed(item.reservations):
            if resource.status != "reconciled":
                self.resources.release(resource)
        item.reservations = []

    def _compensate(self, items: list[ResourceOrderItem]
                    ) -> Generator[simpy.Event, Any, None]:
        """Undo ``items`` newest first: deactivate what may be active, release slots."""
        for item in reversed(items):
            if item.activated:
                deactivation = self.southbound.deactivate(item)
                # On failure the element keeps stale configuration: drift for later orders.
                with contextlib.suppress(SouthboundError):
                    yield deactivation
                item.activated = False
            self._release_except_reconciled(item)

    # -- the order lifecycle: cancel, modify, delete ------------------------------------
    # ROM serves every order type: ``run`` picks the add flow above (cancellable), the
    # modify flow (only the RFS whose characteristics changed) or the delete flow.

    def run(self, order: ResourceOrder) -> simpy.Process:
        """Start ``order`` by its service item's action; the value is its final state."""
        action = order.service_item.action
        if action is Action.DELETE:
            return self.env.process(self._run_delete(order))
        if action is Action.MODIFY:
            return self.env.process(self._run_modify(order))
        process = self.env.process(self._run_cancellable(order))
        self.running[order.id] = process
        return process

    def decompose_modify(self, service_item: ServiceOrderItem) -> ResourceOrder:
        """The resource order of a modify: one item per RFS that configures one of the
        changed characteristics; the other RFS are ``noChange`` and are not sent."""
        order = ResourceOrder(self.order_ids(), service_item, self.env.now)
        port = self.network.serving_port(service_item.product_item.place)
        for spec in service_item.plan.rfs_at(off_net=port is None):
            if service_item.changed.intersection(spec.characteristics):
                item = ResourceOrderItem(str(len(order.items) + 1), order, Action.MODIFY, spec)
                item.target = self._target(spec.element, port)
                order.items.append(item)
            else:
                service_item.unchanged += (spec.name,)
        service_item.resource_order = order
        return order

    def decompose_delete(self, service_item: ServiceOrderItem,
                         activations: Sequence[Activation]) -> ResourceOrder:
        """The resource order of a cease: one delete item per add item that built the
        service (its record), newest first (the reverse of activation order)."""
        order = ResourceOrder(self.order_ids(), service_item, self.env.now)
        for n, done in enumerate(reversed(activations), 1):
            item = ResourceOrderItem(str(n), order, Action.DELETE, done.spec)
            item.target = done.target
            item.undoes = done
            order.items.append(item)
        service_item.resource_order = order
        return order

    def cancel(self, order: ResourceOrder) -> None:
        """Stop an add order whose product order is being cancelled.

        Waits that may take days (an install visit not yet started, a partner's order,
        an item held in the fallout queue) are interrupted now; an element edit in
        flight is let finish, and the order stops at its next item boundary.
        """
        process = self.running.get(order.id)
        if process is None or not process.is_alive:
            return
        current = next((i for i in order.items
                        if i.state in (State.IN_PROGRESS, State.HELD)), None)
        if current is None:
            return
        waiting_for_visit = current.spec.element == "workforce" and current.appointment is None
        # A partner's order is cancelled at the partner (om.partners), which may refuse.
        waiting_for_partner = current.spec.partner is not None
        if current.state is State.HELD or waiting_for_visit or waiting_for_partner:
            process.interrupt("cancelled")

    def _run_cancellable(self, order: ResourceOrder) -> Generator[simpy.Event, Any, State]:
        try:
            return (yield from self._run(order))
        except simpy.Interrupt:
            return (yield from self._stop_for_cancellation(order))
        finally:
            self.running.pop(order.id, None)

    def _stop_for_cancellation(self, order: ResourceOrder
                               ) -> Generator[simpy.Event, Any, State]:
        """Compensate everything the order did (newest first) and cancel it."""
        env = self.env
        touched = [i for i in order.items if i.activated or i.reservations]
        yield from self._compensate(touched)
        for item in order.items:
            if item.state is not State.COMPLETED:
                self.bus.emit_all(cancel(item, env.now))
        order.completion_date_s = env.now
        self.bus.emit_all(cancel(order, env.now))
        return order.state

    def _run_modify(self, order: ResourceOrder) -> Generator[simpy.Event, Any, State]:
        """Re-configure each changed RFS on its element (resources are kept)."""
        env = self.env
        advance(self.bus, order, State.IN_PROGRESS, env.now)
        for item in order.items:
            advance(self.bus, item, State.IN_PROGRESS, env.now)
            error = yield from self._request(item, lambda i=item: self.southbound.activate(i))
            if error is not None:
                return self._fail_change(order, item, error)
            advance(self.bus, item, State.COMPLETED, env.now)
        order.completion_date_s = env.now
        advance(self.bus, order, State.COMPLETED, env.now)
        return order.state

    def _run_delete(self, order: ResourceOrder) -> Generator[simpy.Event, Any, State]:
        """Remove each item's configuration from its element, then free its slots."""
        env = self.env
        advance(self.bus, order, State.IN_PROGRESS, env.now)
        for item in order.items:
            advance(self.bus, item, State.IN_PROGRESS, env.now)
            done = item.undoes
            if done is not None:
                if done.activated:
                    error = yield from self._request(
                        item, lambda d=done: self.southbound.deactivate(d))
                    if error is not None:
                        return self._fail_change(order, item, error)
                    done.activated = False
                item.reservations = list(done.reservations)  # what the item frees
                self._release_except_reconciled(done)
            advance(self.bus, item, State.COMPLETED, env.now)
        order.completion_date_s = env.now
        advance(self.bus, order, State.COMPLETED, env.now)
        return order.state

    def _request(self, item: ResourceOrderItem, send: Callable[[], simpy.Event]
                 ) -> Generator[simpy.Event, Any, SouthboundError | None]:
        """Send a modify or delete request, retried per the adapter's policy after a
        retryable error; the error that ended it for good, or None.

        Unlike an activation it has no timeout: a mass cease queues for the element's
        few sessions, and a cease given up while the element still applies it would
        leave the inventory holding what the network already freed.
        """
        env = self.env
        policy = self.policies.get(item.spec.element, NO_RETRY)
        attempt = 0
        while True:
            attempt += 1
            item.attempts += 1
            try:
                yield send()
                return None
            except SouthboundError as exc:
                if exc.cause not in RETRYABLE or attempt >= policy.attempts:
                    return exc
                self.bus.emit(RetryMade(item.order.service_item.product_item.order.id,
                                        item.key, exc.cause.value, attempt, env.now))
                wait = policy.backoff(attempt, self._rng.random())
                if wait > 0:
                    yield env.timeout(wait)

    def _fail_change(self, order: ResourceOrder, item: ResourceOrderItem,
                     exc: SouthboundError) -> State:
        """A modify or delete the element refused: fallout, the rest is not attempted
        (what is still configured stays in the inventory, so nothing leaks)."""
        env = self.env
        product_item = order.service_item.product_item
        record_fallout(self.bus, product_item.order, Layer.ROM, exc.cause, item.key,
                       item.correlation_id, product_item.offering, env.now,
                       exc.detail or exc.element)
        advance(self.bus, item, State.FAILED, env.now)
        for rest in order.items:
            if rest.state is State.ACKNOWLEDGED:
                advance(self.bus, rest, State.CANCELLED, env.now)
        order.completion_date_s = env.now
        advance(self.bus, order, State.FAILED, env.now)
        return order.state
