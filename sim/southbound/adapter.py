"""The southbound port over the wire: omsim's own order manager provisioning a separately
started ``omsim emulate`` - RESTCONF for the elements, the NetBox-compatible IPAM for
addresses, TMF646 for install visits - instead of the simulated elements in process.

Threads. ROM calls :meth:`WireSouthbound.activate` and :meth:`~WireSouthbound.deactivate`
on the clock thread; each works out its plan there (om's objects are read on no other
thread), hands it to the wire's own loop (:mod:`sim.southbound.wire`) and returns a
SimPy event at once. Answers come back through a thread-safe inbox that a small SimPy
process, the *pump*, empties on the clock thread every ``pump_s`` simulated seconds
while requests are out (and sleeps otherwise): the event succeeds, or fails with the
:class:`om.SouthboundError` whose cause the wire's answer says. The clock never waits
for the network; ROM's own timeouts and retries run on its clock as they do in process.

A modify changes the unit of the add item that built the service: :meth:`attach` gives
the adapter the order manager's service inventory to find it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import secrets
from collections import Counter, deque
from collections.abc import Callable, Generator, Mapping
from typing import Any

import simpy

from network_model import Network
from om import Action, FalloutCause, OrderManager, ResourceOrderItem, SouthboundError
from om.southbound import Activated
from sim.rng import stream
from sim.scenario.schema import Scenario
from sim.southbound.link import Link
from sim.southbound.plans import Plan, PlanError, plan_for
from sim.southbound.visits import Visits
from sim.southbound.wire import Wire, configure
from sim.units import DAY_S

PUMP_WALL_S = 0.002  # how often the pump looks for answers while requests are out
POLL_WALL_S = 0.05  # how often open appointments are asked for

# An answer as the pump applies it: the event, the error (None: success), and what to do
# on the clock thread first.
Answer = tuple[simpy.Event, SouthboundError | None, Callable[[], None] | None]


class WireSouthbound:
    """om's southbound port, satisfied by ``omsim emulate`` over HTTP (see the module
    docstring). Build it on the clock's thread before the clock runs; :meth:`close`."""

    def __init__(self, env: simpy.Environment, network: Network, scenario: Scenario,
                 link: Link, wire: Wire | None = None) -> None:
        self.env = env
        self.network = network
        self.link = link
        self.wire = wire or Wire(link)
        self.visits = Visits(self.wire, POLL_WALL_S)
        self.tag = f"omsim-{secrets.token_hex(4)}"  # what this order manager owns
        kinds = scenario.load_catalog().element_kinds()
        self._timeout_s = {kind: link.request_timeout_s(
            float("inf") if kind == "workforce" else
            scenario.element_settings(kind).retry.timeout_s) for kind in kinds}
        lead_days = scenario.workforce.appointment_lead_days.sampler(
            stream(scenario.seed, 0, "southbound:appointments"))
        self._lead_s = lambda: DAY_S * lead_days()
        self.services: Mapping[str, Any] = {}  # om's services by id (attach)
        self._inbox: deque[Answer] = deque()  # appended by the wire, emptied by the pump
        self._out = 0  # requests sent and not yet answered
        self._wake: simpy.Event | None = None
        self._pump_s = PUMP_WALL_S * link.speed
        self.sent: Counter[str] = Counter()  # activate / deactivate
        self.refused: Counter[str] = Counter()  # by fallout cause
        env.process(self._pump())

    def attach(self, om: OrderManager) -> None:
        """Use ``om``'s service inventory to find what a modify changes."""
        self.services = om.services.services

    # -- the port ------------------------------------------------------------------------
    def activate(self, item: ResourceOrderItem) -> simpy.Event:
        built_by = self._built_by(item) if item.action is Action.MODIFY else None
        if item.action is Action.MODIFY and built_by is None:
            return self._failed(item, "no service configuration found for this modify")
        lead_s = self._lead_s() if item.spec.element == "workforce" else 0.0
        return self._send(item, "activate", lambda: plan_for(
            item, self.network, False, self._timeout(item), self.tag, built_by, lead_s))

    def deactivate(self, item: Activated) -> simpy.Event:
        return self._send(item, "deactivate", lambda: plan_for(
            item, self.network, True, self._timeout(item), self.tag))

    # -- inside --------------------------------------------------------------------------
    def _timeout(self, item: Activated) -> float:
        return self._timeout_s.get(item.spec.element, self.link.request_timeout_s(60.0))

    def _built_by(self, item: ResourceOrderItem) -> Activated | None:
        """The record of the add item whose unit the modify ``item`` changes."""
        service_id = item.order.service_item.service_id
        service = self.services.get(service_id) if service_id is not None else None
        for done in getattr(service, "activations", None) or ():
            if done.spec.name == item.spec.name:
                return done
        return None

    def _failed(self, item: Activated, why: str) -> simpy.Event:
        event = self.env.event()
        event.fail(SouthboundError(item.key, FalloutCause.ELEMENT_ERROR, item.target, why))
        return event

    def _send(self, item: Activated, operation: str,
              make: Callable[[], Plan]) -> simpy.Event:
        try:
            plan = make()
        except PlanError as exc:
            return self._failed(item, str(exc))
        event = self.env.event()
        self.sent[operation] += 1
        self._out += 1
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()
        future = self.wire.submit(self._carry_out(plan))
        future.add_done_callback(lambda done: self._answered(item, event, done))
        return event

    async def _carry_out(self, plan: Plan) -> str | None:
        """On the wire's loop: the plan, and the technician of a visit."""
        if plan.element.startswith("workforce"):
            if plan.remove:
                await self.visits.cancel(plan, f"{self.tag} {plan.key}")
                return None
            return await self.visits.visit(plan)
        await configure(self.wire, plan)
        return None

    def _answered(self, item: Activated, event: simpy.Event,
                  done: concurrent.futures.Future[str | None]) -> None:
        """On the wire's thread: queue the answer for the pump."""
        then: Callable[[], None] | None = None
        try:
            technician = done.result()
            error = None
            if technician is not None:
                then = lambda: setattr(item, "appointment", (technician, self.env.now))  # noqa: E731
        except SouthboundError as exc:
            error = exc
        except BaseException as exc:  # a bug, or the wire closing: the item is not lost
            error = SouthboundError(item.key, FalloutCause.ELEMENT_UNREACHABLE, item.target,
                                    f"southbound adapter: {type(exc).__name__}: {exc}")
        self._inbox.append((event, error, then))

    def _pump(self) -> Generator[simpy.Event, Any, None]:
        """On the clock: apply the answers in, every pump period while any is out."""
        env = self.env
        while True:
            if not self._out and not self._inbox:
                self._wake = env.event()
                yield self._wake
                self._wake = None
            yield env.timeout(self._pump_s)
            while self._inbox:
                event, error, then = self._inbox.popleft()
                self._out -= 1
                if then is not None:
                    then()
                if error is None:
                    event.succeed()
                    continue
                self.refused[error.cause.value] += 1
                if not event.callbacks:  # nobody waits any more (ROM gave up or moved on)
                    event.defused = True
                event.fail(error)

    def stats(self) -> dict[str, Any]:
        """What ``/omsim/status`` shows of the link."""
        return {"url": self.link.base, "sent": dict(self.sent), "outstanding": self._out,
                "refusedByCause": dict(sorted(self.refused.items())),
                "appointmentPollErrors": self.visits.poll_errors}

    def close(self) -> None:
        """Stop the wire (requests still out are dropped)."""
        with contextlib.suppress(Exception):  # closing anyway
            self.wire.call(self.visits.close(), 5.0)
        self.wire.close()
