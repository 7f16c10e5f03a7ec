"""The southbound port: the only way ROM reaches the network.

om defines it; sim's emulated elements satisfy it; tests fake it with a function.
``activate`` and ``deactivate`` return a SimPy event that succeeds when the element has
applied the configuration, or fails with :class:`om.errors.SouthboundError` carrying a
:class:`om.fallout.FalloutCause`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import simpy

from om.errors import SouthboundError
from om.fallout import FalloutCause
from om.orders import Action, ResourceOrderItem


class Activated(Protocol):
    """What the port reads of configuration it removes (``deactivate``) or that a modify
    changes: an add item of an order in flight (compensation), or the
    :class:`om.orders.Activation` a service keeps of it once completed (cease, modify).
    Both satisfy it; neither the port nor ROM reaches further into the order."""

    @property
    def key(self) -> str: ...  # the owner the element knows the configuration by
    @property
    def action(self) -> Action: ...
    @property
    def target(self) -> str: ...  # the element instance
    @property
    def spec(self) -> Any: ...  # om.catalog.RfsSpec
    @property
    def place(self) -> str: ...
    @property
    def characteristics(self) -> dict[str, Any]: ...
    @property
    def correlation_id(self) -> str: ...
    @property
    def siblings(self) -> Sequence[Activated]: ...  # of the same resource order

    reservations: Sequence[Any]  # om.inventory.Resource records held
    activated: bool  # the element may hold the configuration

    def identifiers(self) -> dict[str, str]: ...


class Southbound(Protocol):
    def activate(self, item: ResourceOrderItem) -> simpy.Event: ...

    def deactivate(self, item: Activated) -> simpy.Event: ...


class FakeSouthbound:
    """For tests: succeeds at once unless ``verdict(item)`` names a FalloutCause."""

    def __init__(self, env: simpy.Environment,
                 verdict: Callable[[ResourceOrderItem], FalloutCause | None] = lambda i: None,
                 delay_s: float = 0.0) -> None:
        self.env = env
        self.verdict = verdict
        self.delay_s = delay_s
        self.activated: list[str] = []
        self.deactivated: list[str] = []

    def activate(self, item: ResourceOrderItem) -> simpy.Event:
        cause = self.verdict(item)
        if cause is None:
            self.activated.append(item.key)
            return self.env.timeout(self.delay_s)
        event = self.env.event()
        event.fail(SouthboundError(item.key, cause, item.target))
        return event

    def deactivate(self, item: Activated) -> simpy.Event:
        self.deactivated.append(item.key)
        return self.env.timeout(self.delay_s)
