"""The emulator's clock: a SimPy environment that follows the wall clock at ``speed``
simulated seconds per wall second, stepped from the asyncio loop that also serves SSH
and HTTP.

SimPy's own real-time environment sleeps in ``step()``, which would stop the loop; here
the loop sleeps instead, until the next event is due or until a request wakes it. Before
anything is done on the clock (:meth:`Clock.change`), simulated time is brought up to
the wall clock, so a request made now happens now, not at the time of the last event.
Everything that touches the simulation runs in the loop's thread, so nothing needs a
lock; another thread goes through :meth:`Clock.change_threadsafe`.

A SimPy process that raises (a bug in one request's handling) is counted and printed,
and the clock goes on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import simpy

T = TypeVar("T")
MAX_SLEEP_S = 1.0  # wall seconds the loop sleeps at most between two looks at the clock


class Clock:
    """``env`` driven in real time at ``speed``; :meth:`start` it inside the loop."""

    def __init__(self, env: simpy.Environment, speed: float) -> None:
        if not (math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, got {speed}")
        self.env = env
        self.speed = speed
        self.process_errors = 0
        self._sim_origin = env.now
        self._wall_origin = time.monotonic()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    # -- time ----------------------------------------------------------------------------
    def wall_now(self) -> float:
        """The simulated time the wall clock says it is."""
        return self._sim_origin + (time.monotonic() - self._wall_origin) * self.speed

    def catch_up(self, until: float) -> None:
        """Before :meth:`start`: simulate up to ``until`` as fast as the CPU allows (a
        restart resumes where the clock stopped)."""
        self._step_until(until)
        self._move_to(until)

    def advance(self) -> None:
        """Process every event due by now, and bring simulated time up to the wall's."""
        target = self.wall_now()
        self._step_until(target)
        self._move_to(target)

    def _step_until(self, target: float) -> None:
        while self.env.peek() <= target:
            self._step()

    def _move_to(self, target: float) -> None:
        """Bring ``now`` to ``target`` when nothing is due before it. (Not with
        ``env.run(until=...)``: SimPy leaves its stop event queued at ``now``, and the
        loop would find an event due at every look.)"""
        if target > self.env.now:
            marker = self.env.timeout(target - self.env.now)
            while not marker.processed:
                self._step()

    def _step(self) -> None:
        try:
            self.env.step()
        except Exception as exc:  # one request's process: drop it, keep the clock
            self.process_errors += 1
            print(f"omsim emulate: a simulation process failed at {self.env.now:.3f} s and "
                  "was dropped; the others go on:", file=sys.stderr)
            traceback.print_exception(exc)

    # -- running in the loop ----------------------------------------------------------------
    def start(self) -> None:
        """Go live from now (inside the running loop)."""
        self._sim_origin, self._wall_origin = self.env.now, time.monotonic()
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run(), name="omsim-clock")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self.advance()
            due = self.env.peek()
            sleep = MAX_SLEEP_S if due == math.inf else (due - self.wall_now()) / self.speed
            self._wake.clear()
            with contextlib.suppress(TimeoutError):  # due, or a look at least every second
                await asyncio.wait_for(self._wake.wait(), max(0.0, min(sleep, MAX_SLEEP_S)))

    def change(self, change: Callable[[], T]) -> T:
        """Run ``change`` on the clock now (in the loop's thread), then process what it
        made due at once (a zero-latency answer is ready when this returns)."""
        self.advance()
        result = change()
        self.advance()
        if self._wake is not None:
            self._wake.set()  # it may have scheduled an event before the loop's next look
        return result

    def change_threadsafe(self, change: Callable[[], T]) -> concurrent.futures.Future[T]:
        """:meth:`change` from another thread: its result (or error) in a future."""
        assert self._loop is not None, "the clock is not started"
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(self.change(change))
            except BaseException as exc:
                future.set_exception(exc)
        self._loop.call_soon_threadsafe(run)
        return future

    def outcome(self, event: simpy.Event) -> asyncio.Future[Any]:
        """An asyncio future for a SimPy event: its value, or its exception."""
        assert self._loop is not None, "the clock is not started"
        future = self._loop.create_future()
        if event.callbacks is None:  # processed already
            _settle(future, event)
        else:
            event.callbacks.append(lambda ev: _settle(future, ev))
        return future


def _settle(future: asyncio.Future[Any], event: simpy.Event) -> None:
    if future.done():
        return
    if event.ok:
        future.set_result(event.value)
    else:
        event.defused = True  # handled here: SimPy must not raise it from step()
        future.set_exception(event.value)
