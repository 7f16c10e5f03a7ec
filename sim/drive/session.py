"""One replication of a scenario's order traffic against the target, from the first
arrival to the end of the drain, and its report.

The scenario's arrivals and churn run on a SimPy environment stepped in real time
(:class:`~sim.drive.clock.ScenarioClock`) with replication ``r``'s named random streams,
exactly as in replication ``r`` of a batch run; their requests go to the target through
:class:`~sim.drive.channel.DriveChannel`. Hub notifications (handed in by the driver)
and polls (:class:`~sim.drive.poller.Poller`) follow every order. At the end of the
traffic window no more requests are made; the drain waits, up to its timeout, for the
open orders and the unanswered requests, then stops whatever is still under way, so a
replication never outlasts its window plus its drain timeout by more than the time it
takes to stop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator, Sequence
from typing import Any

import simpy

from sim.drive.book import OrderBook
from sim.drive.channel import DriveChannel
from sim.drive.clock import ScenarioClock
from sim.drive.options import DriveOptions
from sim.drive.poller import Poller
from sim.drive.report import (
    Window,
    bulk_orders,
    changes_in_flight,
    drain_section,
    window_sections,
)
from sim.drive.wire import wire_sections
from sim.rng import stream
from sim.scenario.schema import Scenario
from sim.traffic.arrivals import Arrivals
from sim.traffic.churn import Churn
from sim.units import DAY_S, HOUR_S

DRAIN_POLL_S = 0.02  # how often the drain looks whether everything ended (wall)


class Session:
    """Replication ``replication`` of ``scenario`` (``seed``) against ``target``."""

    def __init__(self, scenario: Scenario, seed: int, replication: int,
                 options: DriveOptions, target: Any, addresses: Sequence[str],
                 tag: str) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.options = options
        self.target = target
        self.clock = ScenarioClock(options.speed)
        self.book = OrderBook(self.clock)
        self.env = simpy.Environment()
        self.channel = DriveChannel(self.env, self.clock, self.book, target,
                                    f"{tag}-r{replication}", options.writes)
        self.poller = Poller(target, self.book, options.poll)
        self.channel.on_acked = self.poller.watch
        self.arrivals = Arrivals(self.env, self.channel, addresses, scenario, seed,
                                 replication)
        self.churn = Churn(self.env, self.channel, scenario,
                           stream(seed, replication, "churn"))
        self.window_s = scenario.duration_days * DAY_S
        self.in_system: list[tuple[float, int]] = []  # (scenario s, orders open)
        self.env.process(self._sample())

    def _sample(self) -> Generator[simpy.Event, Any, None]:
        while self.env.now < self.window_s:
            self.in_system.append((self.env.now, len(self.book.open)
                                   + self.book.pending_sends))
            yield self.env.timeout(HOUR_S)

    async def run(self) -> dict[str, Any]:
        """Send the traffic, drain, and return the report."""
        started = time.monotonic()
        self.clock.start()
        polling = asyncio.create_task(self.poller.run())
        try:
            await self.clock.run(self.env, self.window_s)
            self.arrivals.stopped = self.churn.stopped = True
            window_docs = {o.n: o.doc for o in self.book.orders if len(o.request.items) > 1}
            window_wall = time.monotonic()
            await self._drain()
            drained_s = self.clock.now_s()
        finally:
            polling.cancel()
            await self._stop(polling)
        end = time.monotonic()
        return self._report(window_docs, drained_s, end - window_wall, end - started)

    async def _drain(self) -> None:
        deadline = time.monotonic() + self.options.drain_timeout_s
        book, channel = self.book, self.channel
        while (book.open or book.pending_sends or channel.tasks) \
                and time.monotonic() < deadline:
            await asyncio.sleep(DRAIN_POLL_S)

    async def _stop(self, polling: asyncio.Task[None]) -> None:
        tasks = [polling, *self.channel.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _report(self, window_docs: dict[int, Any], drained_s: float, drain_wall_s: float,
                wall_s: float) -> dict[str, Any]:
        scenario, orders = self.scenario, self.book.orders
        warmup_s = scenario.warmup_days * DAY_S
        window = Window(orders, warmup_s, self.window_s)
        return {
            "scenario": scenario.name,
            "seed": self.seed,
            "replication": self.replication,
            "sim": {"duration_days": scenario.duration_days,
                    "warmup_days": scenario.warmup_days, "wall_seconds": round(wall_s, 3)},
            "drive": {"target": self.target.base_url, "speed": self.options.speed},
            **window_sections(scenario, window, self.in_system),
            "bulk_orders": bulk_orders(window, window_docs),
            **changes_in_flight(orders),
            "drain": drain_section(window, drained_s, self.options.drain_timeout_s,
                                   drain_wall_s),
            **wire_sections(self.book, self.target.stats, self.options.speed,
                            dict(self.arrivals.skipped)),
        }
