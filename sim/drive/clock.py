"""The scenario's clock in real time: scenario seconds are wall seconds since the start
times ``speed``, and the traffic's SimPy processes run on it inside the asyncio loop
that also sends, listens and polls (one thread: no locks between the traffic and what
it learns of its orders).

When the loop falls behind (a slow send, a busy machine), events are processed late
at their own scenario time, as :class:`simpy.rt.RealtimeEnvironment` does with
``strict=False``; the channel records how late each order went out, because an order
sent late looks slower.
"""

from __future__ import annotations

import asyncio
import time

import simpy


class ScenarioClock:
    """Scenario seconds since :meth:`start`, at ``speed`` scenario seconds per wall
    second."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.start()

    def start(self) -> None:
        self._origin = time.monotonic()
        self._epoch = time.time()

    def now_s(self) -> float:
        return (time.monotonic() - self._origin) * self.speed

    def at_epoch(self, epoch_s: float) -> float:
        """The scenario time of a wall-clock moment (Unix seconds), e.g. an eventTime."""
        return (epoch_s - self._epoch) * self.speed

    def wall_s(self, scenario_s: float) -> float:
        """Wall seconds that ``scenario_s`` scenario seconds take."""
        return scenario_s / self.speed

    async def run(self, env: simpy.Environment, until_s: float) -> None:
        """Process ``env``'s events up to scenario time ``until_s``, each at its time."""
        while env.peek() < until_s:
            due = env.peek()
            wait = (due - self.now_s()) / self.speed
            # Even when behind, let what was sent get on its way between events.
            await asyncio.sleep(max(0.0, wait))
            env.step()
        wait = (until_s - self.now_s()) / self.speed
        if wait > 0:
            await asyncio.sleep(wait)
