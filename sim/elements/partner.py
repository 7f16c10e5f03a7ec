"""An emulated partner: a third party's order API (submit, follow, cancel) over a
backlog of orders it works for a sampled lead time.

Each accepted order is one SimPy process: it may announce a delay half-way, then ends
``completed`` or ``failed`` with an error code. A submission is idempotent by its
request id. An ended order is forgotten once nothing can ask for it any more
(:meth:`EmulatedPartner._forget`), so a long live run keeps only the orders in work and
those that ended lately. Faults act through :meth:`EmulatedPartner.set_down` (the API
answers nothing) and :meth:`EmulatedPartner.surge` (the backlog fills with other customers'
orders and every lead time stretches).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from om.ids import IdSource
from om.partners import (
    ACKNOWLEDGED,
    CANCELLED,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    REJECTED,
    TERMINAL,
    PartnerRequest,
    PartnerUpdate,
)
from sim.scenario.partners import PartnerSettings
from sim.units import DAY_S


class PartnerOrder:
    """One order at the partner: our request (its ``external_id`` is our item), state,
    error or jeopardy reason, expected completion, and the event of its next change."""

    __slots__ = ("id", "request", "state", "reason", "expected_s", "no_return_s",
                 "changed", "process", "wake")

    def __init__(self, id: str, request: PartnerRequest, env: simpy.Environment) -> None:
        self.id = id
        self.request = request
        self.state = ACKNOWLEDGED
        self.reason = ""
        self.expected_s = env.now
        self.no_return_s = env.now
        self.changed = env.event()
        self.process: simpy.Process | None = None
        self.wake: simpy.Event | None = None  # ends the wait early (an expedite)

    def update(self) -> PartnerUpdate:
        return PartnerUpdate(self.id, self.state, self.reason, self.expected_s)


class EmulatedPartner:
    """A partner of one run, configured by its :class:`PartnerSettings`."""

    def __init__(self, env: simpy.Environment, name: str, settings: PartnerSettings,
                 rng: random.Random) -> None:
        self.env = env
        self.name = name
        self.settings = settings
        self._rng = rng
        self._lead_days = settings.lead_days.sampler(rng)
        self._partial_days = settings.partial_extra_days.sampler(rng)
        self._delay_days = settings.delay_days.sampler(rng)
        self._ids = IdSource(name.upper())
        self.orders: dict[str, PartnerOrder] = {}
        self._by_request: dict[str, PartnerOrder] = {}
        self.open = 0  # accepted orders not yet ended
        self.down = False
        self.surge_orders = 0  # other customers' orders a surge put in the backlog
        self.lead_factor = 1.0
        self.submitted = 0  # requests heard (retries of one order included)
        # Ended orders by when they may be forgotten, in that order (forget_after_s).
        self._ended: deque[tuple[float, PartnerOrder]] = deque()
        g = settings.gateway
        self.forget_after_s = 2 * (settings.answer_s + g.attempts * (
            g.answer_timeout_s + g.backoff_s)) + DAY_S

    # -- faults ----------------------------------------------------------------------
    def set_down(self, down: bool) -> None:
        """An outage: while down the API answers nothing (orders in work go on)."""
        self.down = down

    def surge(self, orders: int, lead_factor: float) -> None:
        """A backlog surge: ``orders`` more in the backlog, lead times times the factor
        (``surge(0, 1.0)`` ends it)."""
        self.surge_orders = orders
        self.lead_factor = lead_factor

    # -- the API (om.partners.PartnerPort) -------------------------------------------
    def submit(self, request: PartnerRequest) -> simpy.Event:
        answer = self.env.event()
        if self.down:
            return answer  # never answered: the gateway times out
        self.submitted += 1
        order = self._by_request.get(request.request_id)
        if order is None:
            order = self._accept(request)
        return self.env.timeout(self.settings.answer_s, value=order.update())

    def follow(self, partner_order_id: str) -> simpy.Event:
        order = self.orders[partner_order_id]
        if order.state in TERMINAL:
            return self.env.timeout(0, value=order.update())
        return order.changed

    def expedite(self, partner_order_id: str) -> simpy.Event:
        """Hurry an open order: what is left of its lead time shrinks to
        ``expedited_share`` of itself. Answers whether it did."""
        answer = self.env.event()
        if self.down:
            return answer
        order = self.orders[partner_order_id]
        hurried = order.state not in TERMINAL
        if hurried:
            now = self.env.now
            order.expected_s = now + (order.expected_s - now) * self.settings.expedited_share
            if order.wake is not None and not order.wake.triggered:
                order.wake.succeed()
        return self.env.timeout(self.settings.answer_s, value=hurried)

    def cancel(self, partner_order_id: str) -> simpy.Event:
        answer = self.env.event()
        if self.down:
            return answer
        order = self.orders[partner_order_id]
        accepted = order.state not in TERMINAL and self.env.now < order.no_return_s
        if accepted:
            assert order.process is not None
            order.process.interrupt("cancelled")
        return self.env.timeout(self.settings.answer_s, value=accepted)

    # -- the partner's own work --------------------------------------------------------
    def _accept(self, request: PartnerRequest) -> PartnerOrder:
        s, rng, now = self.settings, self._rng, self.env.now
        self._forget(now)
        order = PartnerOrder(self._ids(), request, self.env)
        self.orders[order.id] = order
        self._by_request[request.request_id] = order
        if request.action == "delete":  # a cease: done at once, nothing can go wrong
            order.state = COMPLETED
            self._ended.append((now + self.forget_after_s, order))
            return order
        code = _pick(rng, s.rejections)
        if code is None and self.open + self.surge_orders >= s.capacity:
            code = "no_capacity"
        if code is not None:
            order.state, order.reason = REJECTED, code
            self._ended.append((now + self.forget_after_s, order))
            return order
        lead_s = self._lead_days() * self.lead_factor * DAY_S
        if rng.random() < s.partial_rate:
            order.reason = "partial"
            lead_s += self._partial_days() * DAY_S
        order.expected_s = now + lead_s
        order.no_return_s = now + s.no_return_share * lead_s
        self.open += 1
        order.process = self.env.process(self._work(order))
        return order

    def _work(self, order: PartnerOrder) -> Generator[simpy.Event, Any, None]:
        s, rng, env = self.settings, self._rng, self.env
        try:
            if rng.random() < s.delay_rate:
                yield env.timeout((order.expected_s - env.now) / 2)
                order.expected_s += self._delay_days() * DAY_S
                order.state, order.reason = IN_PROGRESS, "delayed"
                self._notify(order)
            while env.now < order.expected_s:  # until due (sooner if expedited meanwhile)
                order.wake = env.event()
                yield env.timeout(order.expected_s - env.now) | order.wake
            order.wake = None
            code = _pick(rng, s.failures)
            order.state, order.reason = (FAILED, code) if code else (COMPLETED, "")
        except simpy.Interrupt:
            order.state, order.reason = CANCELLED, ""
        self.open -= 1
        order.process = None
        self._ended.append((env.now + self.forget_after_s, order))
        self._notify(order)

    def _forget(self, now: float) -> None:
        """Forget the orders that ended over :attr:`forget_after_s` ago. Nothing asks
        for them then: the gateway follows an order only until it ended and cancels or
        hurries only orders it still follows, and it re-sends a submission or a
        cancellation only within its tries (``gateway.attempts``, each an answer timeout
        and a backoff); twice that and a day is a wide margin. Done as new orders come,
        without a timer of its own, so a batch run draws and schedules exactly what it
        did before."""
        ended = self._ended
        while ended and ended[0][0] <= now:
            _, order = ended.popleft()
            del self.orders[order.id]
            if self._by_request.get(order.request.request_id) is order:
                del self._by_request[order.request.request_id]

    def _notify(self, order: PartnerOrder) -> None:
        changed, order.changed = order.changed, self.env.event()
        changed.succeed(order.update())


def _pick(rng: random.Random, shares: dict[str, float]) -> str | None:
    """One code drawn by its share, or None (the rest)."""
    if not shares:
        return None
    u = rng.random()
    for code, share in shares.items():
        if u < share:
            return code
        u -= share
    return None
