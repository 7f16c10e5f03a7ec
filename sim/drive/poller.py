"""Polling: ``GET productOrder/{id}`` of every open order, with backoff, for targets
without a hub and for notifications that never came.

An order is first read ``first_s`` wall seconds after the target acknowledged it, then
at intervals that double up to ``max_s``; all polls together stay under ``rate`` per
second (the oldest due first), so that a thousand open orders do not become a load
test of their own.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from dataclasses import dataclass

from sim.drive.book import POLLING, OrderBook, SentOrder
from sim.tmf622.target import Target


@dataclass(frozen=True)
class PollPolicy:
    """Wall seconds to the first read, the longest interval, and reads per second."""

    first_s: float = 1.0
    max_s: float = 15.0
    rate: float = 20.0


class Poller:
    """Reads the open orders of ``book`` as they fall due."""

    def __init__(self, target: Target, book: OrderBook, policy: PollPolicy,
                 concurrency: int = 8) -> None:
        self.target = target
        self.book = book
        self.policy = policy
        self._due: list[tuple[float, int, float, SentOrder]] = []  # (due, n, interval, order)
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    def watch(self, order: SentOrder) -> None:
        """Start polling an order the target has just acknowledged."""
        first = self.policy.first_s
        heapq.heappush(self._due, (time.monotonic() + first, order.n, first, order))

    async def run(self) -> None:
        """Poll until cancelled."""
        gap = 1.0 / self.policy.rate
        try:
            while True:
                if not self._due or self._due[0][0] > time.monotonic():
                    wait = self._due[0][0] - time.monotonic() if self._due else 0.05
                    await asyncio.sleep(min(0.05, max(0.0, wait)))
                    continue
                _, _, interval, order = heapq.heappop(self._due)
                if order.ended:
                    continue
                await self._slots.acquire()
                task = asyncio.create_task(self._poll(order, interval))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                await asyncio.sleep(gap)
        finally:
            for task in list(self._tasks):
                task.cancel()

    async def _poll(self, order: SentOrder, interval: float) -> None:
        try:
            answer = await self.target.get_order(order.id)
        finally:
            self._slots.release()
        sightings = self.book.sightings
        sightings.polls += 1
        if answer.ok and isinstance(answer.doc, dict):
            self.book.observe(order, answer.doc, POLLING)
        else:
            sightings.poll_failures[answer.problem or str(answer.status)] += 1
        if not order.ended:
            interval = min(self.policy.max_s, interval * 2)
            heapq.heappush(self._due, (time.monotonic() + interval, order.n, interval, order))
