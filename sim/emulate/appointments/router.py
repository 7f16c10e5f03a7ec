"""The TMF646 Appointment API (``/tmf-api/appointment/v4``) of the emulated field force.

=========================================  ==============================================
``POST /searchTimeSlot``                   free slots for a place (``relatedPlace.id``, the
                                           service address; ``requestedTimeSlot``: window)
``GET /searchTimeSlot[/{id}]``             searches made
``POST /appointment``                      book one of them (``validFor`` = the slot;
                                           ``relatedEntity`` role ``ont``: the ONT to fit)
``GET /appointment[/{id}]``                read (filters ``status``, ``id``, ``externalId``,
                                           ``relatedPlace.id``; ``offset``/``limit``;
                                           ``fields``)
``PATCH /appointment/{id}``                reschedule (``validFor``), cancel (``status``
                                           ``cancelled``), or change the client's attributes
``DELETE /appointment/{id}``               cancel and forget
``POST /hub``, ``DELETE /hub/{id}``        notifications (see :mod:`.hub`)
=========================================  ==============================================

The emulator's user and password (HTTP basic) or its token are accepted. Errors are TMF
``Error`` bodies: 400 naming the field, 401, 404, 409 when the appointment's state or the
slot does not allow it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

from sim.emulate.appointments.calendar import Calendar
from sim.emulate.appointments.diary import (
    Appointment,
    Diary,
    DiaryError,
    OntRef,
    Status,
    record_of,
)
from sim.emulate.appointments.hub import MAX_LISTENERS, Hub, callback_problem
from sim.emulate.appointments.views import (
    BASE,
    appointment_json,
    error_json,
    read_booking,
    read_search,
    read_update,
    search_json,
    select,
)
from sim.emulate.auth import BASIC_CHALLENGE, Credentials, basic_ok, token_ok

if TYPE_CHECKING:
    from sim.emulate.emulator import Emulator

MAX_BODY = 64 * 1024  # bytes of one request body
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000  # appointments of one list page


def appointment_router(emulator: Emulator, credentials: Credentials) -> APIRouter:
    """The TMF646 API of ``emulator``'s workforce."""
    api = _Appointments(emulator, credentials)
    router = APIRouter(prefix=BASE)
    for path, endpoint, method in (
            ("/searchTimeSlot", api.search, "POST"), ("/searchTimeSlot", api.searches, "GET"),
            ("/searchTimeSlot/{search_id}", api.search_one, "GET"),
            ("/appointment", api.book, "POST"), ("/appointment", api.appointments, "GET"),
            ("/appointment/{appointment_id}", api.appointment, "GET"),
            ("/appointment/{appointment_id}", api.change, "PATCH"),
            ("/appointment/{appointment_id}", api.forget, "DELETE"),
            ("/hub", api.listen, "POST"), ("/hub/{listener_id}", api.unlisten, "DELETE")):
        router.add_api_route(path, endpoint, methods=[method])
    router.diary = api.diary  # type: ignore[attr-defined]  # for tests and tools looking inside
    return router


class _Appointments:
    """The endpoints, over one emulator's diary and hub."""

    def __init__(self, emulator: Emulator, credentials: Credentials) -> None:
        self.emulator = emulator
        self.credentials = credentials
        self.cal = Calendar.of(emulator.store)
        self.network = emulator.network
        self.hub = Hub()
        self.diary = Diary(emulator.env, self.network, emulator.workforce,
                           self._bring_online, self._changed)
        self.store = emulator.store
        if self.store is not None:
            self.diary.restore(self.store.appointments(),
                               int(self.store.meta("next_appointment") or 1))
            self.diary.on_taken = self._keep

    def _changed(self, kind: str, booking: Appointment) -> None:
        """On the clock, before the request that changed ``booking`` is answered: keep
        it (``--db``) and notify the listeners."""
        if self.store is not None:
            if kind == "AppointmentDeleteEvent":
                self.store.forget_appointment(booking.id)
            else:
                self._keep(booking)
        self._announce(kind, booking)

    def _keep(self, booking: Appointment) -> None:
        if self.store is not None:
            self.store.keep_appointment(booking.id, record_of(booking), self.diary.next_id)

    def _announce(self, kind: str, booking: Appointment) -> None:
        if self.hub.listeners:
            self.hub.publish({"eventId": uuid.uuid4().hex,
                              "eventTime": self.cal.date(self.emulator.env.now),
                              "eventType": kind,
                              "event": {"appointment": self._json(booking)}})

    def _bring_online(self, ont: OntRef) -> bool:
        return self.emulator.set_ont_online(ont.olt, ont.line_card, ont.port, ont.ont_id)

    def _json(self, booking: Appointment) -> dict[str, Any]:
        return appointment_json(self.cal, self.network, booking)

    def _booking(self, appointment_id: str) -> Appointment:
        found = self.diary.appointments.get(appointment_id)
        if found is None:
            raise DiaryError(404, f"no appointment '{appointment_id}'")
        return found

    async def answer(self, request: Request, work: Callable[[Any], tuple[int, Any]],
                     with_body: bool = False) -> Response:
        """Check the login, read the body, run ``work(body)`` on the emulator's clock."""
        if not (basic_ok(request, self.credentials) or token_ok(request, self.credentials)):
            return _json(error_json(401, "HTTP basic auth with the emulator's user and "
                                         "password, or Authorization: Token <token>"),
                         401, BASIC_CHALLENGE)
        try:
            body = await _body(request) if with_body else None
            status, document = self.emulator.change(lambda: work(body))
        except DiaryError as exc:
            return _json(error_json(exc.status, exc.message), exc.status)
        if document is None:
            return Response(status_code=status)
        return document if isinstance(document, Response) else _json(document, status)

    async def search(self, request: Request) -> Response:
        def work(body: Any) -> tuple[int, Any]:
            place, start, end = read_search(self.cal, body)
            return 201, search_json(self.cal, self.network,
                                    self.diary.search(place, start, end))
        return await self.answer(request, work, with_body=True)

    async def searches(self, request: Request) -> Response:
        query = request.query_params
        return await self.answer(request, lambda _: _listed(query, [
            search_json(self.cal, self.network, s) for s in self.diary.searches.values()]))

    async def search_one(self, request: Request, search_id: str) -> Response:
        def work(_: Any) -> tuple[int, Any]:
            found = self.diary.searches.get(search_id)
            if found is None:
                raise DiaryError(404, f"no searchTimeSlot '{search_id}'")
            return 200, select(search_json(self.cal, self.network, found),
                               request.query_params.get("fields"))
        return await self.answer(request, work)

    async def book(self, request: Request) -> Response:
        def work(body: Any) -> tuple[int, Any]:
            place, start, end, ont, fields = read_booking(self.cal, body)
            return 201, self._json(self.diary.book(place, start, end, ont, fields))
        return await self.answer(request, work, with_body=True)

    async def appointments(self, request: Request) -> Response:
        query = request.query_params

        def work(_: Any) -> tuple[int, Any]:
            found = [a for a in self.diary.appointments.values() if _matches(a, query)]
            return _listed(query, [self._json(a) for a in found])
        return await self.answer(request, work)

    async def appointment(self, request: Request, appointment_id: str) -> Response:
        return await self.answer(request, lambda _: (200, select(
            self._json(self._booking(appointment_id)), request.query_params.get("fields"))))

    async def change(self, request: Request, appointment_id: str) -> Response:
        def work(body: Any) -> tuple[int, Any]:
            found = self._booking(appointment_id)
            _apply(self.diary, found, read_update(self.cal, body))
            return 200, self._json(found)
        return await self.answer(request, work, with_body=True)

    async def forget(self, request: Request, appointment_id: str) -> Response:
        def work(_: Any) -> tuple[int, Any]:
            self.diary.delete(self._booking(appointment_id))
            return 204, None
        return await self.answer(request, work)

    async def listen(self, request: Request) -> Response:
        def work(body: Any) -> tuple[int, Any]:
            if not isinstance(body, dict):
                raise DiaryError(400, "the body must be a JSON object")
            problem = callback_problem(body.get("callback"))
            if problem:
                raise DiaryError(400, problem)
            query = body.get("query") or ""
            if not isinstance(query, str) or len(query) > 2048:
                raise DiaryError(400, "query: a string of at most 2048 characters")
            if len(self.hub.listeners) >= MAX_LISTENERS:
                raise DiaryError(409, f"hub: {MAX_LISTENERS} listeners registered already")
            return 201, self.hub.add(body["callback"], query).json()
        return await self.answer(request, work, with_body=True)

    async def unlisten(self, request: Request, listener_id: str) -> Response:
        def work(_: Any) -> tuple[int, Any]:
            if not self.hub.remove(listener_id):
                raise DiaryError(404, f"no hub listener '{listener_id}'")
            return 204, None
        return await self.answer(request, work)


def _apply(diary: Diary, found: Appointment, update: dict[str, Any]) -> None:
    """A PATCH: the client's attributes, then a move, then a cancellation."""
    status = update.get("status")
    if status is not None and status not in (found.status.value, Status.CANCELLED.value):
        raise DiaryError(409, f"status: a client may only cancel an appointment; the "
                              f"emulator decides '{status}'")
    if "ont" in update and update["ont"] != found.ont:
        raise DiaryError(409, "relatedEntity: the ONT of a booking cannot change; cancel "
                              "and book anew")
    if "slot" in update:
        diary.reschedule(found, *update["slot"])
    if status == Status.CANCELLED.value:
        diary.cancel(found)
    if update["fields"]:
        found.fields.update(update["fields"])
        diary.touched(found)


def _matches(a: Appointment, query: Any) -> bool:
    for name, value in (("status", a.status.value), ("id", a.id),
                        ("externalId", a.fields.get("externalId")),
                        ("relatedPlace.id", a.place)):
        if name in query and value not in query[name].split(","):
            return False
    return True


def _listed(query: Any, documents: list[dict[str, Any]]) -> tuple[int, Response]:
    """A TMF list page: ``offset``/``limit``, ``X-Total-Count`` and ``X-Result-Count``."""
    try:
        offset = int(query.get("offset", 0))
        limit = int(query.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise DiaryError(400, "offset, limit: whole numbers") from None
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise DiaryError(400, f"offset: 0 or more; limit: 1 to {MAX_LIMIT}")
    page = [select(d, query.get("fields")) for d in documents[offset:offset + limit]]
    status = 206 if offset + len(page) < len(documents) else 200
    return status, _json(page, status, {"X-Total-Count": str(len(documents)),
                                        "X-Result-Count": str(len(page))})


async def _body(request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip()
    if media not in ("application/json", "application/json-patch+json",
                     "application/merge-patch+json"):
        raise DiaryError(415 if media else 400, "a body must be application/json")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise DiaryError(413, f"a body of at most {MAX_BODY} bytes")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DiaryError(400, f"the body is not JSON ({exc})") from None


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, media_type="application/json", headers=headers)
