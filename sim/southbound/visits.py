"""Install visits over TMF646: search the place's free slots, book the first one at
least the customer's lead time ahead, then wait for the field force's outcome.

One poller asks for the state of every appointment still open, all in one request
(``GET /appointment?id=1,2,...``), every ``poll_s`` wall seconds while any is open: a
``completed`` visit ends the activation, a ``failed`` one (``customerNotHome``) is the
fallout ``customer_not_home``, as it is in process. A deactivation cancels a booking
nobody has set off for; one that happened stays (the ONT is on the wall).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

import httpx

from om import FalloutCause, SouthboundError
from sim.southbound.causes import refused, transport_error
from sim.southbound.plans import Plan
from sim.southbound.wire import Wire

API = "/tmf-api/appointment/v4"
SEARCH_DAYS = 60  # how far a second search looks when the first found nothing late enough
BOOK_TRIES = 3  # a slot may fill between the search and the booking
POLL_CHUNK = 100  # appointments asked for in one poll request


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Visits:
    """The appointments this order manager booked, and their poller (all on the wire's
    loop)."""

    def __init__(self, wire: Wire, poll_s: float) -> None:
        self.wire = wire
        self.poll_s = poll_s
        self.booked: dict[str, str] = {}  # owner -> appointment id
        self._open: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._poller: asyncio.Task[None] | None = None
        self.poll_errors = 0

    async def visit(self, plan: Plan) -> str | None:
        """Book the visit and wait for it: the technician who did it, or
        SouthboundError (customer not home, no slot, refused)."""
        assert plan.visit is not None
        try:
            appointment = await self._book(plan)
            self.booked[plan.visit.owner] = appointment
            waiting = asyncio.get_running_loop().create_future()
            self._open[appointment] = waiting
            if self._poller is None or self._poller.done():
                self._poller = asyncio.create_task(self._poll(), name="omsim-visit-poller")
            outcome = await waiting
            self.booked.pop(plan.visit.owner, None)  # ended: nothing left to cancel
        except httpx.HTTPError as exc:
            raise transport_error(plan.key, plan.element, exc) from None
        return self._ended(plan, outcome)

    async def cancel(self, plan: Plan, owner: str) -> None:
        """Cancel the booking of ``owner`` if nobody has set off for it."""
        appointment = self.booked.pop(owner, None)
        if appointment is None:
            return
        try:
            answer = await self.wire.tmf("PATCH", f"{API}/appointment/{appointment}",
                                         {"status": "cancelled"}, timeout_s=plan.timeout_s)
        except httpx.HTTPError as exc:
            raise transport_error(plan.key, plan.element, exc) from None
        if answer.status_code not in (200, 404, 409):  # 409: it happened, or is happening
            raise refused(plan.key, plan.element, "appointment", answer)

    # -- inside ------------------------------------------------------------------------
    async def _book(self, plan: Plan) -> str:
        visit = plan.visit
        assert visit is not None
        place = {"id": visit.place, "role": "installationAddress"}
        entities = [{"id": visit.owner, "role": "resourceOrderItem",
                     "@referredType": "ResourceOrderItem"}]
        if visit.ont is not None:
            entities.append({"id": visit.ont, "role": "ont", "@referredType": "Resource"})
        for _ in range(BOOK_TRIES):
            slot = await self._slot(plan, place)
            answer = await self.wire.tmf("POST", f"{API}/appointment", {
                "validFor": slot, "relatedPlace": place, "relatedEntity": entities,
                "externalId": visit.owner, "category": "installation"},
                timeout_s=plan.timeout_s)
            if answer.status_code == 201:
                return str(answer.json()["id"])
            if answer.status_code != 409:
                raise refused(plan.key, plan.element, "appointment", answer)
        raise SouthboundError(plan.key, FalloutCause.TIMEOUT, plan.element,
                              "every slot offered filled before it could be booked")

    async def _slot(self, plan: Plan, place: dict[str, str]) -> dict[str, str]:
        """The first free slot ending after now plus the lead time."""
        visit = plan.visit
        assert visit is not None
        body: dict[str, Any] = {"relatedPlace": place}
        for _ in range(2):
            answer = await self.wire.tmf("POST", f"{API}/searchTimeSlot", body,
                                         timeout_s=plan.timeout_s)
            if answer.status_code != 201:
                raise refused(plan.key, plan.element, "searchTimeSlot", answer)
            found = answer.json()
            if found.get("status") == "rejected":
                raise refused(plan.key, plan.element, "searchTimeSlot", answer)
            earliest = _when(found["searchDate"]) + timedelta(seconds=visit.lead_s)
            for slot in found.get("availableTimeSlot") or ():
                if _when(slot["validFor"]["endDateTime"]) > earliest:
                    return slot["validFor"]
            body = {"relatedPlace": place, "requestedTimeSlot": [{"validFor": {
                "startDateTime": _iso(earliest),
                "endDateTime": _iso(earliest + timedelta(days=SEARCH_DAYS))}}]}
        raise SouthboundError(plan.key, FalloutCause.TIMEOUT, plan.element,
                              f"no free appointment slot within {SEARCH_DAYS} days")

    async def _poll(self) -> None:
        while self._open:
            await asyncio.sleep(self.poll_s)
            ids = list(self._open)
            for start in range(0, len(ids), POLL_CHUNK):
                chunk = ids[start:start + POLL_CHUNK]
                try:
                    answer = await self.wire.tmf("GET", f"{API}/appointment", params={
                        "id": ",".join(chunk), "limit": str(POLL_CHUNK),
                        "fields": "status,failureReason,relatedParty"})
                    answer.raise_for_status()
                    documents = answer.json()
                except (httpx.HTTPError, ValueError):
                    self.poll_errors += 1  # asked again at the next round
                    continue
                for doc in documents:
                    if doc.get("status") in ("completed", "failed", "cancelled"):
                        waiting = self._open.pop(str(doc.get("id")), None)
                        if waiting is not None and not waiting.done():
                            waiting.set_result(doc)

    def _ended(self, plan: Plan, doc: dict[str, Any]) -> str | None:
        technician = next((p.get("id") for p in doc.get("relatedParty") or ()
                           if p.get("role") == "technician"), None)
        status = doc.get("status")
        if status == "completed":
            return technician
        if status == "failed" and doc.get("failureReason") == "customerNotHome":
            raise SouthboundError(plan.key, FalloutCause.CUSTOMER_NOT_HOME,
                                  technician or plan.element, "nobody home at the appointment")
        raise SouthboundError(plan.key, FalloutCause.ELEMENT_ERROR, plan.element,
                              f"the appointment ended {status} "
                              f"({doc.get('failureReason') or 'by the field force'})")

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
