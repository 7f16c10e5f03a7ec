"""Approvals: which orders need a human decision (catalog rules), and the pool of
approvers who take it.

A rule matches an order by segment and size (``min_items`` sites) or by a deep discount
(an item characteristic ``discount_percent``). A matching order waits ``pending`` in COM
until an approver of the :class:`ApproverPool` decides; a rejection rejects the order
with cause ``approval_rejected``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from om.events import ApprovalDecided, EventBus


class ApprovalRule:
    """A compiled catalog approval rule."""

    __slots__ = ("name", "segments", "min_items", "min_discount_percent")

    def __init__(self, name: str, segments: tuple[str, ...], min_items: int | None,
                 min_discount_percent: float | None) -> None:
        self.name = name
        self.segments = segments
        self.min_items = min_items
        self.min_discount_percent = min_discount_percent

    def matches(self, segment: str, items: int, characteristics: list[dict[str, Any]]) -> bool:
        if self.segments and segment not in self.segments:
            return False
        if self.min_items is not None and items >= self.min_items:
            return True
        if self.min_discount_percent is not None:
            return any(float(c.get("discount_percent", 0)) >= self.min_discount_percent
                       for c in characteristics)
        return False

    def __repr__(self) -> str:
        return f"<ApprovalRule {self.name}>"



class ApproverPool:
    """``approvers`` people who each decide one order at a time, first come first served.

    ``response_s`` samples one approver's response time in seconds; an order is
    rejected with ``reject_probability``.
    """

    def __init__(self, env: simpy.Environment, bus: EventBus, approvers: int,
                 response_s: Callable[[], float], reject_probability: float,
                 rng: random.Random) -> None:
        if approvers < 1:
            raise ValueError(f"approvers must be >= 1, got {approvers}")
        if not 0 <= reject_probability <= 1:
            raise ValueError(f"reject_probability must be in [0, 1], got {reject_probability}")
        self.env = env
        self.bus = bus
        self._people = simpy.Resource(env, capacity=approvers)
        self._response_s = response_s
        self._reject_probability = reject_probability
        self._rng = rng
        self.decided = 0

    def decide(self, order_id: str, rule: str) -> simpy.Process:
        """Queue the order for an approver; the process's value is True if approved."""
        return self.env.process(self._decide(order_id, rule))

    def _decide(self, order_id: str, rule: str) -> Generator[simpy.Event, Any, bool]:
        queued = self.env.now
        with self._people.request() as approver:
            yield approver
            yield self.env.timeout(self._response_s())
        approved = self._rng.random() >= self._reject_probability
        self.decided += 1
        self.bus.emit(ApprovalDecided(order_id, rule, approved, self.env.now - queued,
                                      self.env.now))
        return approved


def instant_approval(env: simpy.Environment, bus: EventBus) -> ApproverPool:
    """A pool that approves everything at once (the default when a scenario names none)."""
    return ApproverPool(env, bus, 1, lambda: 0.0, 0.0, random.Random(0))
