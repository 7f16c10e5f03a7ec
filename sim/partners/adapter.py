"""A real partner behind om's partner port: :class:`RemotePartner` places, follows and
cancels partner orders on another operator's TMF622 v4 order manager (a wholesaler's
``productOrderingManagement/v4``), for ``omsim serve --partner NAME=URL``.

- submit: ``POST productOrder`` (:mod:`sim.partners.orders`: our item's key as the
  ``externalId``), with the request id as its ``Idempotency-Key``, so that the
  gateway's retry after a lost answer finds the same order instead of a second one;
- follow: the partner's hub notifications (a listener on loopback registered with
  ``POST hub``) and, for notifications that never come, ``GET productOrder/{id}`` at
  intervals that double up to :data:`POLL_MAX_S`;
- cancel: ``POST cancelProductOrder``, decided by the cancellation task's state (``done``
  or ``terminatedWithError``) or by the order's (``cancelled``, or ended otherwise);
- expedite: a merge ``PATCH`` of the order's ``priority`` to ``0`` (TMF622 has no verb
  for "hurry"; the partner may ignore it).

Threads, as in :mod:`sim.southbound.adapter`: the gateway calls on the clock thread;
every request runs on this partner's own asyncio loop (a thread of its own, which also
serves the hub listener), so the clock never waits for the partner. What comes back (an
answer, an order seen by the hub or a poll) is put on a thread-safe inbox that the
*pump*, a SimPy process, applies on the clock thread every :data:`PUMP_WALL_S` wall
seconds while anything is out or followed (it sleeps otherwise). An answer that never
comes (the partner unreachable after the client's own retries) leaves the gateway's
event pending: the gateway's timeout, retries and deadline decide, on its clock, and
its outcome is ``partner_timeout`` as with an emulated partner that is down.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

import simpy

from om import OmsimError
from om.partners import (
    CANCELLED,
    COMPLETED,
    REJECTED,
    TERMINAL,
    PartnerPolicy,
    PartnerRequest,
    PartnerUpdate,
)
from sim.partners.orders import later, order_body, product_of, update_of
from sim.tmf622.check import judge
from sim.tmf622.listener import Listener, bind, listener_app
from sim.tmf622.target import Answer, RetryPolicy, Target

T = TypeVar("T")
PUMP_WALL_S = 0.002  # how often the pump applies what came back, while anything is out
POLL_FIRST_S = 1.0  # wall seconds from the partner's answer to the first read of an order
POLL_MAX_S = 10.0  # and the longest interval between reads
CANCEL_WAIT_S = 30.0  # wall seconds a cancellation task is read for before we give up
# The client's own tries of one request (transient failures only): the gateway's retries
# come on top, each a new POST with the same Idempotency-Key.
CLIENT_RETRY = RetryPolicy(attempts=2, backoff_s=0.2, timeout_s=5.0)
# Wall seconds the gateway waits for an answer at least: the client's tries and backoff.
ANSWER_WALL_S = 2 * CLIENT_RETRY.timeout_s + 1.0


class PartnerError(OmsimError):
    """A partner cannot be used: the URL is not a TMF622 endpoint, it does not answer, or
    it refuses the key. ``parameter`` names the option (``partner``,
    ``partner_api_key``), as :class:`sim.live.serve.ServeError` does."""

    def __init__(self, parameter: str, rest: str) -> None:
        super().__init__(parameter, rest)
        self.parameter, self.rest = parameter, rest

    def __str__(self) -> str:
        return f"{self.parameter}{self.rest}"


class _Followed:
    """What we know of one partner order: the latest update seen, the one the gateway
    was last given, the gateway's wait for the next, and our item (its external id)."""

    __slots__ = ("latest", "reported", "waiter", "external_id")

    def __init__(self, external_id: str) -> None:
        self.latest: PartnerUpdate | None = None
        self.reported: PartnerUpdate | None = None
        self.waiter: simpy.Event | None = None
        self.external_id = external_id


class RemotePartner:
    """om's :class:`~om.partners.PartnerPort` for partner ``name`` at the TMF622 base URL
    ``url``. :meth:`open` it (checks the partner and registers with its hub) before the
    clock runs, :meth:`attach` it to the clock, :meth:`close` it after."""

    def __init__(self, name: str, url: str, api_key: str | None = None,
                 buyer: str = "omsim", speed: float = 1.0) -> None:
        self.name = name
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.buyer = buyer
        self.speed = speed
        self.env: simpy.Environment | None = None
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name=f"omsim-partner-{name}")
        self._thread.start()
        self.target: Target | None = None
        self.listener: Listener | None = None
        self.hub_id = ""  # our listener at the partner's hub ("" if it has none)
        self._orders: dict[str, _Followed] = {}  # partner order id -> (clock thread)
        self._watched: set[str] = set()  # partner order ids still open (either thread)
        self._lines: dict[str, str] = {}  # our item key -> the partner's product (a cease)
        self._cancels: dict[str, simpy.Event] = {}  # partner order id -> our cancel
        self._inbox: deque[Callable[[], None]] = deque()  # filled anywhere, emptied by the pump
        self._out = 0  # requests sent and not yet answered
        self._wake: simpy.Event | None = None
        self.counts: Counter[str] = Counter()  # submitted, notified, polled, ...
        self.last_error = ""

    # -- before and after -----------------------------------------------------------------
    def open(self, timeout_s: float = 30.0) -> str:
        """Check the partner (TMF622, reachable, takes the key), start the hub listener and
        register it; a one-line summary, or PartnerError."""
        try:
            return self._call(self._open(), timeout_s)
        except concurrent.futures.TimeoutError:
            raise PartnerError("partner", f" {self.name}={self.url}: no answer within "
                                          f"{timeout_s:g} s") from None

    async def _open(self) -> str:
        self.target = Target(self.url, self.api_key, CLIENT_RETRY, connections=32)
        answer = await self.target.list_orders(limit=1)
        problem = judge(answer, self.api_key, CLIENT_RETRY.timeout_s, self.url,
                        "--partner-api-key")
        if problem:
            parameter = "partner_api_key" if answer.status in (401, 403) else "partner"
            raise PartnerError(parameter, f" {self.name}={self.url}: {problem}")
        self.listener = Listener(bind("127.0.0.1", 0),
                                 listener_app(self._heard, lambda: None))
        await self.listener.start()
        hub = await self.target.register(self.listener.callback)
        if hub.ok and isinstance(hub.doc, dict) and hub.doc.get("id"):
            self.hub_id = str(hub.doc["id"])
            follow = "hub notifications and polling"
        else:
            follow = f"polling only (POST hub answered {hub.status or hub.problem})"
        return f"partner {self.name} at {self.url}: TMF622, followed by {follow}"

    def attach(self, env: simpy.Environment) -> RemotePartner:
        """Serve the gateway on ``env`` (the clock; call on its thread before it runs)."""
        self.env = env
        env.process(self._pump())
        return self

    def policy(self, base: PartnerPolicy) -> PartnerPolicy:
        """The gateway's policy for this partner: ``base`` (the scenario's), waiting for
        an answer at least as long as the wire may take at this clock's speed."""
        return PartnerPolicy(base.attempts, max(base.answer_timeout_s,
                                                ANSWER_WALL_S * self.speed),
                             base.backoff_s, base.deadline_s)

    def close(self) -> None:
        """Unregister from the hub, stop the listener and the loop."""
        if not self._thread.is_alive():
            return

        async def shut() -> None:
            if self.target is not None:
                if self.hub_id:
                    await self.target.unregister(self.hub_id)
                await self.target.close()
            if self.listener is not None:
                await self.listener.stop()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        try:
            with contextlib.suppress(Exception):  # closing anyway
                self._call(shut(), 10.0)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

    def stats(self) -> dict[str, Any]:
        """What ``/omsim/status`` shows of this partner."""
        assert self.target is not None
        return {"url": self.url, "hub": bool(self.hub_id), "open": len(self._watched),
                "outstanding": self._out, **dict(sorted(self.counts.items())),
                "httpErrors": dict(self.target.stats.errors)}

    # -- the port (clock thread) -------------------------------------------------------
    def submit(self, request: PartnerRequest) -> simpy.Event:
        env = self._env()
        event = env.event()
        product = self._lines.get(request.external_id, "") if request.action == "delete" \
            else ""
        self.counts["submitted"] += 1
        self._send(self._submit(request, product),
                   lambda value: self._submitted(event, request, value))
        return event

    def follow(self, partner_order_id: str) -> simpy.Event:
        env = self._env()
        followed = self._orders.get(partner_order_id)
        if followed is None:
            return env.event()  # not ours, or long ended: nothing more will be said
        latest = followed.latest
        if latest is not None and latest is not followed.reported:
            followed.reported = latest
            self._forget_if_done(partner_order_id, followed)
            return env.timeout(0, value=latest)
        followed.waiter = env.event()
        return followed.waiter

    def cancel(self, partner_order_id: str) -> simpy.Event:
        env = self._env()
        event = self._cancels.get(partner_order_id)
        if event is None or event.triggered:
            event = self._cancels[partner_order_id] = env.event()
        self.counts["cancel_requested"] += 1
        self._send(self._cancel(partner_order_id),
                   lambda accepted: self._decided(partner_order_id, accepted))
        return event

    def expedite(self, partner_order_id: str) -> simpy.Event:
        """Ask the partner to hurry (a PATCH of the order's priority); nobody waits."""
        self.counts["expedited"] += 1
        if self.target is not None:
            asyncio.run_coroutine_threadsafe(
                self.target.patch_order(partner_order_id, {"priority": "0"}), self.loop)
        return self._env().event()

    # -- requests on the loop ------------------------------------------------------------
    async def _submit(self, request: PartnerRequest, product: str
                      ) -> dict[str, Any] | PartnerUpdate | None:
        """The partner's order document, a refusal, or None (no answer)."""
        assert self.target is not None
        if request.action == "delete" and not product:
            return PartnerUpdate("", REJECTED, "no_product")  # we never learnt its product
        answer = await self.target.create_order(order_body(request, self.buyer, product),
                                                request.request_id)
        doc = answer.doc
        if answer.ok and isinstance(doc, dict) and doc.get("id"):
            order_id = str(doc["id"])
            # A cease is placed, not followed (the gateway asks nothing more of it).
            if request.action != "delete" and update_of(doc).state not in TERMINAL:
                self._watched.add(order_id)
                asyncio.create_task(self._poll(order_id))
            return doc
        if _refused(answer):
            return PartnerUpdate("", REJECTED, f"http_{answer.status}")
        self.counts["unanswered"] += 1
        return None

    async def _poll(self, order_id: str) -> None:
        """Read an open order now and then, in case its notifications are lost."""
        assert self.target is not None
        interval = POLL_FIRST_S
        while True:
            await asyncio.sleep(interval)
            if order_id not in self._watched:
                return
            answer = await self.target.get_order(order_id)
            if answer.ok and isinstance(answer.doc, dict):
                self._inbox.append(functools.partial(self._seen, answer.doc, "polled"))
            interval = min(POLL_MAX_S, interval * 2)

    def _heard(self, body: Any, received: float) -> None:
        """A hub notification (on the loop): an order we follow goes to the inbox."""
        event = body.get("event") if isinstance(body, dict) else None
        doc = event.get("productOrder") if isinstance(event, dict) else None
        if isinstance(doc, dict) and doc.get("id") in self._watched:
            self._inbox.append(functools.partial(self._seen, doc, "notified"))

    async def _cancel(self, order_id: str) -> bool | None:
        """Whether the partner cancelled the order (None: not known yet, or no answer)."""
        assert self.target is not None
        answer = await self.target.cancel_order(
            {"@type": "CancelProductOrder", "cancellationReason": "cancelled by the buyer",
             "productOrder": {"id": order_id, "href": self.target.href("productOrder",
                                                                      order_id),
                              "@referredType": "ProductOrder"}}, f"cancel {order_id}")
        if _refused(answer):
            return False
        if not (answer.ok and isinstance(answer.doc, dict)):
            return None
        task_id, state = answer.doc.get("id"), answer.doc.get("state")
        deadline = time.monotonic() + CANCEL_WAIT_S
        interval = 0.05
        while state not in ("done", "terminatedWithError") and task_id \
                and time.monotonic() < deadline and order_id in self._watched:
            await asyncio.sleep(interval)
            interval = min(1.0, interval * 2)
            task = await self.target.send("get", "GET", f"/cancelProductOrder/{task_id}",
                                          attempts=1)
            if task.ok and isinstance(task.doc, dict):
                state = task.doc.get("state")
        if state in ("done", "terminatedWithError"):
            return state == "done"
        return None  # the order's own state decides (it ended), or the gateway retries

    # -- back on the clock -------------------------------------------------------------------
    def _send(self, work: Coroutine[Any, Any, T], then: Callable[[T], None]) -> None:
        self._out += 1
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()
        future = asyncio.run_coroutine_threadsafe(work, self.loop)
        future.add_done_callback(
            lambda done: self._inbox.append(lambda: self._answered(done, then)))

    def _answered(self, done: concurrent.futures.Future[T], then: Callable[[T], None]
                  ) -> None:
        self._out -= 1
        try:
            value = done.result()
        except (Exception, concurrent.futures.CancelledError) as exc:  # noqa: BLE001
            # A bug, or the loop closing: no answer (the gateway's timeout decides).
            self.counts["adapter_errors"] += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, concurrent.futures.CancelledError):
                print(f"omsim serve: partner {self.name}: a request failed in the adapter "
                      f"({self.last_error}); the gateway treats it as unanswered",
                      file=sys.stderr, flush=True)
            return
        then(value)

    def _submitted(self, event: simpy.Event, request: PartnerRequest,
                   value: dict[str, Any] | PartnerUpdate | None) -> None:
        if value is None:
            return  # unanswered: the gateway's timeout decides
        if isinstance(value, PartnerUpdate):
            event.succeed(value)
            return
        update = update_of(value)
        if request.action == "delete":
            event.succeed(update)
            return
        order_id = update.partner_order_id
        followed = self._orders.get(order_id)
        if followed is None:
            followed = self._orders[order_id] = _Followed(request.external_id)
        if later(update, followed.latest):
            followed.latest = update
            self._learn(followed, value, update)
        assert followed.latest is not None
        followed.reported = followed.latest
        self._forget_if_done(order_id, followed)
        event.succeed(followed.latest)

    def _seen(self, doc: dict[str, Any], how: str) -> None:
        """An order as the hub or a poll showed it."""
        update = update_of(doc)
        order_id = update.partner_order_id
        followed = self._orders.get(order_id)
        if followed is None:  # seen before the answer to our POST came back
            followed = self._orders[order_id] = _Followed(str(doc.get("externalId") or ""))
        if not later(update, followed.latest):
            return
        self.counts[how] += 1
        followed.latest = update
        self._learn(followed, doc, update)
        if update.state in TERMINAL:
            self._watched.discard(order_id)
            self._settle(order_id, update.state == CANCELLED)
        waiter, followed.waiter = followed.waiter, None
        if waiter is not None and not waiter.triggered:
            followed.reported = update
            waiter.succeed(update)
        self._forget_if_done(order_id, followed)

    def _learn(self, followed: _Followed, doc: dict[str, Any], update: PartnerUpdate) -> None:
        if update.state == COMPLETED and followed.external_id:
            product = product_of(doc)
            if product:
                self._lines[followed.external_id] = product

    def _decided(self, order_id: str, accepted: bool | None) -> None:
        if accepted is None:
            followed = self._orders.get(order_id)
            latest = followed.latest if followed is not None else None
            if latest is None or latest.state not in TERMINAL:
                return  # not known yet: the order's state, or the gateway's retry, decides
            accepted = latest.state == CANCELLED
        self._settle(order_id, accepted)

    def _settle(self, order_id: str, cancelled: bool) -> None:
        """Give our cancel of ``order_id`` (if one waits) its outcome."""
        cancel = self._cancels.pop(order_id, None)
        if cancel is not None and not cancel.triggered:
            cancel.succeed(cancelled)

    def _forget_if_done(self, order_id: str, followed: _Followed) -> None:
        """An order whose end the gateway has been told is forgotten (its product stays
        known, for a cease)."""
        reported = followed.reported
        if reported is not None and reported.state in TERMINAL \
                and order_id not in self._cancels:
            self._orders.pop(order_id, None)
            self._watched.discard(order_id)

    def _pump(self) -> Generator[simpy.Event, Any, None]:
        """On the clock: apply what came back, every pump period while anything is out
        or followed."""
        env = self._env()
        period = PUMP_WALL_S * self.speed
        while True:
            if not self._out and not self._watched and not self._inbox:
                self._wake = env.event()
                yield self._wake
                self._wake = None
            yield env.timeout(period)
            while self._inbox:
                self._inbox.popleft()()

    # -- helpers -------------------------------------------------------------------------
    def _env(self) -> simpy.Environment:
        if self.env is None:
            raise RuntimeError(f"partner {self.name}: attach() it to the clock first")
        return self.env

    def _call(self, work: Coroutine[Any, Any, T], timeout_s: float) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout_s)


def _refused(answer: Answer) -> bool:
    """A definite no (4xx other than a timeout or too many requests): resending the same
    request would be refused again."""
    return 400 <= answer.status < 500 and answer.status not in (408, 429)
