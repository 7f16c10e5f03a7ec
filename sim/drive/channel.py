"""The traffic's channel to a TMF622 target: each request the scenario's arrivals and
churn make becomes a TMF622 call, sent in its own asyncio task so that the scenario's
clock never waits for the wire.

What the traffic may see of its products and orders is what drive learnt from outside
(:class:`~sim.drive.book.OrderBook`): products from completed orders, open orders from
their last state seen. A POST carries an ``Idempotency-Key`` (so it may be retried), an
``externalId`` naming the run and the order, and is answered before the order is open
to cancellation, amendment or polling.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

import simpy

from sim.drive.bodies import amend_body, cancel_body, order_body
from sim.drive.book import OPEN, OrderBook, SentOrder
from sim.drive.clock import ScenarioClock
from sim.tmf622.causes import cause
from sim.tmf622.target import Target
from sim.traffic.requests import KnownProduct, OrderRequest

NO_ANSWER = "no answer before the drain timeout"


class DriveChannel:
    """Sends one replication's requests to ``target``; ``tag`` makes its keys and
    external ids unique to this run."""

    def __init__(self, env: simpy.Environment, clock: ScenarioClock, book: OrderBook,
                 target: Target, tag: str, writes: int = 64) -> None:
        self.env = env
        self.clock = clock
        self.book = book
        self.target = target
        self.tag = tag
        self.on_acked: Callable[[SentOrder], None] = lambda order: None
        self.tasks: set[asyncio.Task[Any]] = set()
        self._writes = asyncio.Semaphore(writes)
        self.cancels = 0  # cancelProductOrder requests sent
        book.on_ended = self._ended

    # -- OrderChannel: what the traffic asks for ------------------------------------------
    def place(self, request: OrderRequest) -> None:
        now, due = self.clock.now_s(), self.env.now
        n = len(self.book.orders)
        order = self.book.new(request, f"{self.tag}-{n}", due, max(0.0, now - due))
        self._spawn(self._post(order))

    def cancel(self, order: SentOrder, reason: str) -> None:
        order.cancel = "requested"
        self.cancels += 1
        self._spawn(self._cancel(order, reason))

    def amend(self, order: SentOrder, characteristics: Mapping[str, Any]) -> None:
        order.amendments.append("sent")
        self._spawn(self._amend(order, dict(characteristics), len(order.amendments) - 1))

    def product(self, product_id: str) -> KnownProduct | None:
        return self.book.products.get(product_id)

    def busy(self, product_id: str) -> bool:
        return product_id in self.book.busy

    def open_orders(self, offering: str) -> list[SentOrder]:
        return [o for o in self.book.open.values()
                if o.request.items[0].offering == offering and not o.cancel
                and o.state in OPEN]

    def on_products_started(self, callback: Callable[[Sequence[str]], None]) -> None:
        self.book.products.listeners.append(callback)

    # -- the wire --------------------------------------------------------------------------
    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _post(self, order: SentOrder) -> None:
        body = order_body(order.request, f"omsim-drive:{order.key}")
        try:
            async with self._writes:
                answer = await self.target.create_order(body, order.key)
        except asyncio.CancelledError:
            self.book.refused(order, NO_ANSWER)
            raise
        if answer.ok and isinstance(answer.doc, dict):
            self.book.acked(order, answer.doc)
            if order.id:
                self.on_acked(order)
        else:
            self.book.refused(order, answer.problem or f"HTTP {answer.status}")

    async def _cancel(self, order: SentOrder, reason: str) -> None:
        body = cancel_body(order.id, self.target.href("productOrder", order.id), reason)
        async with self._writes:
            answer = await self.target.cancel_order(body, f"{order.key}-cancel")
        if answer.ok:
            self.book.cancel_answered(order, answer.doc)
        elif 400 <= answer.status < 500:
            order.cancel = "refused"
            order.cancel_refusal = (cause(answer.doc) if isinstance(answer.doc, dict)
                                    else f"http_{answer.status}")

    async def _amend(self, order: SentOrder, characteristics: dict[str, Any], n: int
                     ) -> None:
        body = amend_body(order.request.items[0], characteristics)
        async with self._writes:
            answer = await self.target.patch_order(order.id, body)
        if answer.ok:
            order.amendments[n] = "applied"
        elif 400 <= answer.status < 500:
            order.amendments[n] = "refused"

    # -- what an ended order teaches -----------------------------------------------------
    def _ended(self, order: SentOrder) -> None:
        if order.state not in ("completed", "partial"):
            return
        products = self.book.products
        if products.missing_ids(order.request, order.doc) and not order.fetching:
            order.fetching = True
            self._spawn(self._fetch(order))
            return
        self._learn(order)

    async def _fetch(self, order: SentOrder) -> None:
        answer = await self.target.get_order(order.id)
        if answer.ok and isinstance(answer.doc, dict):
            order.doc = answer.doc
        self._learn(order)

    def _learn(self, order: SentOrder) -> None:
        # The traffic's clock is brought to now first: a churn holding time starts now,
        # not at the last event the traffic processed.
        now = self.clock.now_s()
        if now > self.env.now:
            with contextlib.suppress(simpy.core.EmptySchedule):
                self.env.run(until=now)
        self.book.products.learn(order.request, order.doc, order.state == "completed")
