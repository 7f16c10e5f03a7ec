"""TMF646 v4 in and out: request bodies read into what the diary needs (checked against
the vendored specification, errors naming the field), and appointments and searches
written as TMF646 documents.

Extensions, marked as TMF's polymorphism asks (``@type`` ``OmsimAppointment``,
``@baseType`` ``Appointment``): ``failureReason`` (``customerNotHome``) on a failed
appointment. The visit's technician and crew are ``relatedParty`` entries (roles
``technician`` and ``workCrew``); what the emulator noted (a no-show, a late start, an
ONT not configured) are ``note`` entries by author ``omsim``. The ONT a visit fits is a
``relatedEntity`` with role ``ont`` and the id ``OLT/line-card/port/ont-id``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from network_model import Network
from om.tmf_specs import validate_body
from sim.emulate.appointments.calendar import Calendar
from sim.emulate.appointments.diary import Appointment, DiaryError, OntRef, Search, Slot

BASE = "/tmf-api/appointment/v4"
# Attributes the emulator owns; a client's other attributes are kept as sent.
OWNED = frozenset({"id", "href", "status", "creationDate", "lastUpdate", "validFor",
                   "relatedPlace", "@type", "@baseType", "@schemaLocation",
                   "failureReason"})
UPDATABLE = frozenset({"validFor", "status", "category", "description", "externalId",
                       "note", "contactMedium", "relatedParty", "relatedEntity",
                       "attachment", "calendarEvent", "lastUpdate", "@type", "@baseType",
                       "@schemaLocation"})


def error_json(status: int, message: str) -> dict[str, Any]:
    """A TMF ``Error`` body."""
    return {"@type": "Error", "code": str(status), "reason": HTTPStatus(status).phrase,
            "message": message, "status": str(status)}


# -- requests ---------------------------------------------------------------------------

def _checked(definition: str, body: Any, ignore_required: bool = False) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise DiaryError(400, "the body must be a JSON object")
    problems = [p for p in validate_body("TMF646", definition, body)
                if not (ignore_required and "is a required property" in p)]
    if problems:
        raise DiaryError(400, "; ".join(problems[:5]))
    return body


def _period(cal: Calendar, period: Any, where: str) -> tuple[float | None, float | None]:
    if not isinstance(period, dict):
        raise DiaryError(400, f"{where}: a TimePeriod object")
    out: list[float | None] = []
    for name in ("startDateTime", "endDateTime"):
        text = period.get(name)
        try:
            out.append(None if text is None else cal.seconds(text))
        except ValueError:
            raise DiaryError(400, f"{where}.{name}: not a date-time ({str(text)[:64]!r})"
                             ) from None
    return out[0], out[1]


def _place(body: dict[str, Any]) -> str:
    place = body.get("relatedPlace")
    if not isinstance(place, dict) or not isinstance(place.get("id"), str):
        raise DiaryError(400, "relatedPlace.id: the service address id is required "
                              "(see the discovery API's geographicAddress)")
    return place["id"]


def read_search(cal: Calendar, body: Any) -> tuple[str, float | None, float | None]:
    """The place and window of a ``POST /searchTimeSlot`` body."""
    body = _checked("SearchTimeSlot_Create", body)
    requested = body.get("requestedTimeSlot") or []
    if len(requested) > 1:
        raise DiaryError(400, "requestedTimeSlot: one window at most")
    start = end = None
    if requested:
        start, end = _period(cal, requested[0].get("validFor"),
                             "requestedTimeSlot[0].validFor")
    return _place(body), start, end


def read_booking(cal: Calendar, body: Any
                 ) -> tuple[str, float, float, OntRef | None, dict[str, Any]]:
    """Place, slot, ONT and the client's own attributes of a ``POST /appointment``."""
    body = _checked("Appointment_Create", body)
    start, end = _period(cal, body["validFor"], "validFor")
    if start is None or end is None:
        raise DiaryError(400, "validFor: startDateTime and endDateTime of a free slot")
    return _place(body), start, end, read_ont(body), _own(body)


def read_update(cal: Calendar, body: Any) -> dict[str, Any]:
    """What a ``PATCH /appointment/{id}`` asks: ``slot`` (start, end), ``status``, and
    the client's attributes ``fields``. (TMF646's Appointment_Update requires validFor;
    a PATCH of the status alone is accepted too.)"""
    body = _checked("Appointment_Update", body, ignore_required=True)
    unknown = sorted(set(body) - UPDATABLE)
    if unknown:
        raise DiaryError(400, f"{unknown[0]}: cannot be changed (cancel and book anew "
                              "to change the place)")
    out: dict[str, Any] = {"fields": _own(body)}
    if "validFor" in body:
        start, end = _period(cal, body["validFor"], "validFor")
        if start is None or end is None:
            raise DiaryError(400, "validFor: startDateTime and endDateTime of a free slot")
        out["slot"] = (start, end)
    if "status" in body:
        out["status"] = body["status"]
    if "relatedEntity" in body:
        out["ont"] = read_ont(body)
    return out


def read_ont(body: dict[str, Any]) -> OntRef | None:
    """The ONT ``relatedEntity`` (role ``ont``) of a body, if it names one."""
    for n, entity in enumerate(body.get("relatedEntity") or ()):
        if str(entity.get("role", "")).lower() == "ont":
            try:
                return OntRef.parse(entity.get("id"))
            except ValueError:
                raise DiaryError(400, f"relatedEntity[{n}].id: an ONT is named "
                                      "OLT/line-card/port/ont-id, e.g. EX01-OLT01/1/2/5"
                                 ) from None
    return None


def _own(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in OWNED}


# -- documents --------------------------------------------------------------------------

def _period_json(cal: Calendar, start_s: float, end_s: float) -> dict[str, str]:
    return {"startDateTime": cal.date(start_s), "endDateTime": cal.date(end_s)}


def _place_json(network: Network, place: str) -> dict[str, Any]:
    address = network.address_by_id.get(place)
    return {"id": place, "name": str(address) if address else place,
            "href": f"/tmf-api/geographicAddressManagement/v4/geographicAddress/{place}",
            "role": "installationAddress", "@referredType": "GeographicAddress"}


def _crew_json(crew: str) -> dict[str, str]:
    region = crew.partition(":")[2]
    return {"id": region, "name": f"field crew {region}", "role": "workCrew",
            "@referredType": "Organization"}


def slot_json(cal: Calendar, slot: Slot) -> dict[str, Any]:
    return {"id": f"{slot.crew.partition(':')[2]}-day{slot.day}", "@type": "TimeSlot",
            "validFor": _period_json(cal, slot.start_s, slot.end_s),
            "relatedParty": _crew_json(slot.crew)}


def search_json(cal: Calendar, network: Network, search: Search) -> dict[str, Any]:
    return {
        "id": search.id, "href": f"{BASE}/searchTimeSlot/{search.id}",
        "@type": "SearchTimeSlot", "status": "rejected" if search.rejected else "done",
        "searchDate": cal.date(search.at_s),
        "searchResult": search.rejected or
        f"{len(search.slots)} free slot(s)",
        "relatedPlace": _place_json(network, search.place),
        "requestedTimeSlot": [{"validFor": _period_json(cal, search.start_s, search.end_s)}],
        "availableTimeSlot": [slot_json(cal, s) for s in search.slots],
    }


def appointment_json(cal: Calendar, network: Network, a: Appointment) -> dict[str, Any]:
    doc: dict[str, Any] = {**a.fields}
    parties = [p for p in doc.get("relatedParty") or () if isinstance(p, dict)]
    parties.append(_crew_json(a.crew))
    if a.technician:
        parties.append({"id": a.technician, "name": a.technician, "role": "technician",
                        "@referredType": "Individual"})
    notes = [n for n in doc.get("note") or () if isinstance(n, dict)]
    notes += [{"id": f"omsim-{n}", "author": "omsim", "date": cal.date(at), "text": text}
              for n, (at, text) in enumerate(a.notes, 1)]
    doc.update({
        "id": a.id, "href": f"{BASE}/appointment/{a.id}",
        "@type": "OmsimAppointment", "@baseType": "Appointment",
        "category": doc.get("category", "installation"),
        "creationDate": cal.date(a.created_s), "lastUpdate": cal.date(a.updated_s),
        "status": a.status.value,
        "validFor": _period_json(cal, a.slot.start_s, a.slot.end_s),
        "relatedPlace": _place_json(network, a.place),
        "relatedParty": parties,
    })
    if notes:
        doc["note"] = notes
    if a.failure:
        doc["failureReason"] = a.failure
    return doc


def select(doc: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """TMF attribute selection (``?fields=status,validFor``): id and href always."""
    if not fields:
        return doc
    wanted = {f.strip() for f in fields.split(",")} | {"id", "href"}
    return {k: v for k, v in doc.items() if k in wanted}
