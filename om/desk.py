"""A staffed desk: people who each work one case at a time, first come first served.

The order manager has two: the approvers who decide orders that match a catalog rule
(:class:`om.approvals.ApproverPool`) and the operations team that works fallen-out items
(:class:`om.fallout.FalloutQueue`). Both are ``staff`` people, a sampled handling time
per case, and an outcome that goes one way with a probability; each says what its
outcome means and emits its own event.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy


class StaffedDesk:
    """``staff`` people; a case waits for one of them, who works it for ``handling_s()``
    seconds. The case succeeds with ``success_probability`` (one draw of ``rng`` per
    case, after the work is done).
    """

    def __init__(self, env: simpy.Environment, staff: int, handling_s: Callable[[], float],
                 success_probability: float, rng: random.Random) -> None:
        if staff < 1:
            raise ValueError(f"staff must be >= 1, got {staff}")
        if not 0 <= success_probability <= 1:
            raise ValueError(f"success_probability must be in [0, 1], got "
                             f"{success_probability}")
        self.env = env
        self._people = simpy.Resource(env, capacity=staff)
        self._handling_s = handling_s
        self._success_probability = success_probability
        self._rng = rng
        self.backlog = 0  # cases queued or being worked now
        self.worked = 0  # cases finished

    def serve(self) -> Generator[simpy.Event, Any, bool]:
        """Queue one case and work it, inside the caller's process (``yield from``);
        returns whether it succeeded."""
        self.backlog += 1
        with self._people.request() as person:
            yield person
            yield self.env.timeout(self._handling_s())
        self.backlog -= 1
        self.worked += 1
        return self._rng.random() < self._success_probability
