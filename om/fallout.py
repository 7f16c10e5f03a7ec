"""Fallout: the fixed vocabulary of why an order item could not complete on its own,
the retry policy ROM applies per adapter, and the fallout work queue where an
operations team fixes (or gives up on) items that failed for good.

The report uses the :class:`FalloutCause` values everywhere (``fallout.by_cause``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import simpy

from om.desk import StaffedDesk
from om.events import EventBus, FalloutQueued, FalloutRaised, ManualTouch
from om.orders import ProductOrder


class FalloutCause(StrEnum):
    RESOURCE_EXHAUSTED = "resource_exhausted"
    TIMEOUT = "timeout"
    ELEMENT_ERROR = "element_error"
    ELEMENT_UNREACHABLE = "element_unreachable"
    INVENTORY_MISMATCH = "inventory_mismatch"
    ADDRESS_NOT_FOUND = "address_not_found"
    CUSTOMER_NOT_HOME = "customer_not_home"
    APPROVAL_REJECTED = "approval_rejected"
    DEPENDENCY_FAILED = "dependency_failed"
    # A partner's (om.partners): it refused our order (no capacity, address unknown),
    # did not answer or did not deliver in time, or the courier failed to deliver.
    PARTNER_REJECTED = "partner_rejected"
    PARTNER_TIMEOUT = "partner_timeout"
    DELIVERY_FAILED = "delivery_failed"


# Causes raised across a partner boundary: their fallout is the partner layer's.
PARTNER_CAUSES = frozenset({FalloutCause.PARTNER_REJECTED, FalloutCause.PARTNER_TIMEOUT,
                            FalloutCause.DELIVERY_FAILED})


# Causes a retry can cure: the element may answer next time, the customer may be home.
RETRYABLE = frozenset({FalloutCause.TIMEOUT, FalloutCause.ELEMENT_ERROR,
                       FalloutCause.ELEMENT_UNREACHABLE, FalloutCause.CUSTOMER_NOT_HOME})


class Layer(StrEnum):
    """Where in the order manager a fallout was raised."""

    COM = "COM"
    SOM = "SOM"
    ROM = "ROM"
    PARTNER = "partner"  # the partner gateway: a third party's order failed


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How ROM talks to one adapter (element kind): tries, timeout, backoff with jitter.

    ``attempts`` counts every try of one activation (1 = no retry). Before try n+1 ROM
    waits ``backoff_s * backoff_factor**(n-1)``, spread by +/- ``jitter`` of itself.
    """

    attempts: int = 3
    timeout_s: float = 60.0
    backoff_s: float = 30.0
    backoff_factor: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {self.attempts}")
        if not self.timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter}")

    @property
    def has_timeout(self) -> bool:
        return math.isfinite(self.timeout_s)

    def backoff(self, attempt: int, u: float) -> float:
        """Seconds to wait after failed try ``attempt``; ``u`` is uniform in [0, 1)."""
        return self.backoff_s * self.backoff_factor ** (attempt - 1) * (
            1 + self.jitter * (2 * u - 1))


NO_RETRY = RetryPolicy(attempts=1, timeout_s=math.inf, backoff_s=0)


def record_fallout(bus: EventBus, order: ProductOrder, layer: Layer, cause: FalloutCause,
                   item_key: str, correlation_id: str, offering: str, at_s: float,
                   detail: str = "") -> None:
    """Note the order's root cause (the first fallout wins) and emit FalloutRaised.
    A partner's cause is raised in the partner layer, whichever layer reports it."""
    if cause in PARTNER_CAUSES:
        layer = Layer.PARTNER
    if order.fallout_cause is None:
        order.fallout_cause = cause.value
    bus.emit(FalloutRaised(layer.value, cause.value, order.id, item_key, correlation_id,
                           offering, at_s, detail))


class FalloutQueue(StaffedDesk):
    """The operations team that works fallen-out items, first come first served.

    ``staff`` engineers each take one item at a time for a sampled handling time; the
    fix succeeds with ``fix_probability``. Every item worked is one manual touch.
    """

    def __init__(self, env: simpy.Environment, bus: EventBus, staff: int,
                 handling_s: Callable[[], float], fix_probability: float,
                 rng: random.Random) -> None:
        super().__init__(env, staff, handling_s, fix_probability, rng)
        self.bus = bus

    def work(self, order_id: str, item_key: str, cause: FalloutCause) -> simpy.Process:
        """Queue an item; the process's value is True when the fix succeeded."""
        return self.env.process(self._work(order_id, item_key, cause))

    def _work(self, order_id: str, item_key: str, cause: FalloutCause
              ) -> Generator[simpy.Event, Any, bool]:
        queued = self.env.now
        self.bus.emit(FalloutQueued(order_id, item_key, cause.value, queued))
        fixed = yield from self.serve()
        self.bus.emit(ManualTouch(order_id, item_key, cause.value, queued,
                                  self.env.now - queued, fixed, self.env.now))
        return fixed
