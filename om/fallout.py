"""Fallout: the fixed vocabulary of why an order item could not complete on its own.

The report uses these values everywhere (``fallout.by_cause``).
"""

from __future__ import annotations

from enum import StrEnum

from om.events import EventBus, FalloutRaised
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


class Layer(StrEnum):
    """Where in the order manager a fallout was raised."""

    COM = "COM"
    SOM = "SOM"
    ROM = "ROM"


def record_fallout(bus: EventBus, order: ProductOrder, layer: Layer, cause: FalloutCause,
                   item_key: str, correlation_id: str, offering: str, at_s: float,
                   detail: str = "") -> None:
    """Note the order's root cause (the first fallout wins) and emit FalloutRaised."""
    if order.fallout_cause is None:
        order.fallout_cause = cause.value
    bus.emit(FalloutRaised(layer.value, cause.value, order.id, item_key, correlation_id,
                           offering, at_s, detail))
