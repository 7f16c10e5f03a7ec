"""An agenda: callbacks due at given simulated times, kept in one heap with one SimPy
timer set for the earliest, instead of a SimPy timeout (and a closure) for each.

What a run schedules by the hundred thousand and mostly never needs at once (an SLA
clock per order, a departure per customer) costs about 200 bytes an entry here against
about 900 for a timeout with its callback, and one SimPy event for each time the timer
goes off rather than one per entry set. Entries go off at exactly the time given (the
timer's delay is adjusted to the last bit), due ones in the order they were set.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy


class Agenda:
    """Calls ``fn(arg)`` at ``at_s`` for each entry set with :meth:`at`."""

    __slots__ = ("env", "_due", "_count", "_timers")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._due: list[tuple[float, int, Callable[[Any], None], Any]] = []
        self._count = itertools.count()
        self._timers: list[float] = []  # when the timers set go off, earliest first

    def __len__(self) -> int:
        return len(self._due)

    def at(self, at_s: float, fn: Callable[[Any], None], arg: Any) -> None:
        """Call ``fn(arg)`` at simulated time ``at_s`` (not before now)."""
        heappush(self._due, (at_s, next(self._count), fn, arg))
        if not self._timers or at_s < self._timers[0]:
            self._set_timer(at_s)

    def _set_timer(self, at_s: float) -> None:
        # Kept by when it really goes off: just before at_s where no delay lands on it.
        delay = delay_to(self.env.now, at_s)
        heappush(self._timers, self.env.now + delay)
        self.env.timeout(delay).callbacks.append(self._go_off)

    def _go_off(self, _: simpy.Event) -> None:
        now, due, timers = self.env.now, self._due, self._timers
        while timers and timers[0] <= now:
            heappop(timers)
        while due and due[0][0] <= now:
            _, _, fn, arg = heappop(due)
            fn(arg)
        if due and (not timers or due[0][0] < timers[0]):
            self._set_timer(due[0][0])


def delay_to(now: float, at_s: float) -> float:
    """The delay from ``now`` of a timeout that goes off at exactly ``at_s`` (SimPy adds
    the delay to the clock, and ``now + (at_s - now)`` may miss ``at_s`` by a rounding),
    or, where no delay lands on it, at the last moment before: the agenda sets one more
    timer from there, whose delay does land on it."""
    delay = at_s - now
    while now + delay < at_s:
        delay = math.nextafter(delay, math.inf)
    while now + delay > at_s:
        delay = math.nextafter(delay, -math.inf)
    return delay
