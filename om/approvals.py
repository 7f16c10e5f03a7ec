"""Approvals: the pool of approvers who decide the orders a catalog approval rule
(:class:`om.catalog.ApprovalRule`) matches.

A matching order waits ``pending`` in COM until an approver of the :class:`ApproverPool`
decides; a rejection rejects the order with cause ``approval_rejected``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from om.desk import StaffedDesk
from om.events import ApprovalDecided, EventBus


class ApproverPool(StaffedDesk):
    """``approvers`` people who each decide one order at a time, first come first served.

    ``response_s`` samples one approver's response time in seconds; an order is
    rejected with ``reject_probability``.
    """

    def __init__(self, env: simpy.Environment, bus: EventBus, approvers: int,
                 response_s: Callable[[], float], reject_probability: float,
                 rng: random.Random) -> None:
        if not 0 <= reject_probability <= 1:
            raise ValueError(f"reject_probability must be in [0, 1], got {reject_probability}")
        super().__init__(env, approvers, response_s, 1.0 - reject_probability, rng)
        self.bus = bus

    def decide(self, order_id: str, rule: str) -> simpy.Process:
        """Queue the order for an approver; the process's value is True if approved."""
        return self.env.process(self._decide(order_id, rule))

    def _decide(self, order_id: str, rule: str) -> Generator[simpy.Event, Any, bool]:
        queued = self.env.now
        approved = yield from self.serve()
        self.bus.emit(ApprovalDecided(order_id, rule, approved, self.env.now - queued,
                                      self.env.now))
        return approved
