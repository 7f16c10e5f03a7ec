"""The live service's writer thread: it commits what each clock tick changed, oldest
first, and only then sends that tick's replies, so a 2xx always means "on disk, and so
is everything before it".

Ticks that queue up behind a slow disk go in one group commit. A reply nobody waits for
any more (the client timed out and its future was cancelled) is skipped, never raised
on. A commit that fails makes the service unhealthy: nothing of that tick or after it
is acknowledged, its requests are answered with the reason.
"""

from __future__ import annotations

import concurrent.futures
import queue
from collections.abc import Callable
from typing import Any

from sim.live.health import Health
from sim.live.store import Store, Tick

# What the clock hands over per tick: its changes and, per request, (request, status, body).
Job = tuple[Tick, list[tuple[Any, int, Any]]]


class Writer:
    """Commits jobs in order on :meth:`run`'s thread; ``committed_tick`` is the last tick
    on disk (read by the clock thread). ``refusal`` makes the exception a request gets
    when the service cannot take writes."""

    def __init__(self, store: Store, health: Health, committed_tick: int,
                 refusal: Callable[[str], BaseException]) -> None:
        self.store = store
        self.health = health
        self.committed_tick = committed_tick
        self._refusal = refusal
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()

    def put(self, job: Job) -> None:
        self._jobs.put(job)

    def close(self) -> None:
        """Stop once what is queued is written."""
        self._jobs.put(None)

    def run(self) -> None:
        while (job := self._jobs.get()) is not None:
            jobs = [job]
            while True:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)  # stop after this group
                    break
                jobs.append(more)
            self._commit(jobs)

    def _commit(self, jobs: list[Job]) -> None:
        ticks = [tick for tick, _ in jobs if tick]
        if ticks and self.health.problem is None:
            try:
                self.store.write(ticks)
            except Exception as exc:  # nothing of these ticks was acknowledged
                self.health.fail(f"database write failed: {type(exc).__name__}: {exc}")
        failed = self.health.problem
        if failed is None:
            self.committed_tick = jobs[-1][0].tick
        for _, replies in jobs:
            for request, status, body in replies:
                if failed is None:
                    reply(request.reply, (status, body))
                else:
                    reply(request.reply, error=self._refusal(failed))


def reply(future: concurrent.futures.Future, result: Any = None,
          error: BaseException | None = None) -> None:
    """Answer ``future`` unless its caller gave up (cancelled it): never raise."""
    if future.done():
        return
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except concurrent.futures.InvalidStateError:
        pass  # cancelled in between
