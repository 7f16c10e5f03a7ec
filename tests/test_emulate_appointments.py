"""TMF646 appointments on the emulated workforce: free slots for a place from the crew's
shifts and capacity, bookings that become the simulation's install visits (travel,
install, no-shows), reschedule and cancel while nobody has set off, a completed visit
bringing the ONT online, notifications, and every document valid against the vendored
TMF646 v4.0.0 specification."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from om.tmf_specs import validate_body
from sim.emulate import Emulator, EmulatorThread, build_lab
from sim.emulate.appointments import Diary, DiaryError, OntRef
from sim.emulate.appointments.diary import record_of
from sim.emulate.store import Store
from sim.scenario.load import scenario_from_dict
from sim.units import DAY_S, HOUR_S
from tests.emulatetools import CREDENTIALS, JSON, NET, emulator, lab_dict, ont_json, restconf

API = "/tmf-api/appointment/v4"
PLACE = "ADDR0000001"  # passed by EX01-OLT01/1/1 in the lab
ONT = {"id": "EX01-OLT01/1/1/1", "role": "ont", "@referredType": "Resource"}
QUICK = {"technicians": 2, "shift_start_hour": 0, "shift_end_hour": 24,
         "travel_min": {"dist": "constant", "value": 10},
         "install_min": {"dist": "constant", "value": 20}}


def lab(**workforce: Any) -> dict[str, Any]:
    return lab_dict(workforce={**QUICK, **workforce})


def valid(definition: str, doc: dict[str, Any]) -> dict[str, Any]:
    problems = validate_body("TMF646", definition, doc)
    assert not problems, problems
    return doc


def wait_for(check: Callable[[], Any], deadline_s: float = 20.0) -> Any:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("condition not met within the deadline")


@contextmanager
def field_force(raw: dict[str, Any], speed: float = 1.0) -> Iterator[tuple[Any, httpx.Client]]:
    with EmulatorThread(emulator(raw, speed), CREDENTIALS) as served, \
            restconf(served) as client:
        yield served, client


def first_slot(client: httpx.Client, place: str = PLACE) -> dict[str, Any]:
    found = client.post(f"{API}/searchTimeSlot", json={
        "relatedPlace": {"id": place, "role": "installationAddress"}})
    assert found.status_code == 201, found.text
    search = valid("SearchTimeSlot", found.json())
    assert search["status"] == "done" and search["availableTimeSlot"]
    return search["availableTimeSlot"][0]


def book(client: httpx.Client, slot: dict[str, Any], **extra: Any) -> httpx.Response:
    return client.post(f"{API}/appointment", json={
        "validFor": slot["validFor"], "relatedEntity": [ONT], "externalId": "RO-7/2",
        "relatedPlace": {"id": PLACE, "role": "installationAddress"}, **extra})


def test_a_completed_visit_brings_the_ont_online():
    """Search, book, and the technician's visit: confirmed, then completed with the
    technician named, and the ONT the booking names is online in the datastore."""
    with field_force(lab(), speed=20_000) as (_, client):
        port = f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1"
        client.post(port, headers=JSON, json=ont_json(1, "ALCL00000001")).raise_for_status()
        made = book(client, first_slot(client))
        assert made.status_code == 201, made.text
        booked = valid("Appointment", made.json())
        assert (booked["status"], booked["externalId"]) == ("confirmed", "RO-7/2")

        def done() -> Any:
            doc = client.get(f"{API}/appointment/{booked['id']}").json()
            return doc if doc["status"] != "confirmed" else None
        final = valid("Appointment", wait_for(done))
        assert final["status"] == "completed"
        assert {p["role"] for p in final["relatedParty"]} == {"workCrew", "technician"}
        ont = client.get(f"{port}/ont=1").json()["omsim-olt:ont"][0]
        assert ont["oper-state"] == "online"


def test_a_no_show_fails_the_appointment_with_a_note():
    """TMF646 v4 has no 'missed': nobody home is 'failed', customerNotHome, with a note;
    the ONT stays pending install."""
    with field_force(lab(no_show_rate=1.0), speed=20_000) as (_, client):
        made = book(client, first_slot(client)).json()

        def done() -> Any:
            doc = client.get(f"{API}/appointment/{made['id']}").json()
            return doc if doc["status"] != "confirmed" else None
        final = valid("Appointment", wait_for(done))
        assert (final["status"], final["failureReason"]) == ("failed", "customerNotHome")
        assert any("customer not home" in n["text"] for n in final["note"])


def test_reschedule_cancel_and_delete_before_anyone_sets_off():
    """Day shifts 8-18, the clock at midnight: a booking for tomorrow moves to the next
    day, is cancelled (again: no change), may not be 'completed' by the client, and is
    gone after DELETE."""
    with field_force(lab(shift_start_hour=8, shift_end_hour=18)) as (_, client):
        slots = client.post(f"{API}/searchTimeSlot", json={
            "relatedPlace": {"id": PLACE, "role": "installationAddress"}}).json()[
            "availableTimeSlot"]
        assert slots[0]["validFor"]["startDateTime"].endswith("T08:00:00.000Z")
        made = book(client, slots[1]).json()
        url = f"{API}/appointment/{made['id']}"
        moved = client.patch(url, json={"validFor": slots[2]["validFor"]})
        assert moved.status_code == 200
        assert valid("Appointment", moved.json())["validFor"] == slots[2]["validFor"]
        for _ in range(2):
            cancelled = client.patch(url, json={"status": "cancelled"})
            assert cancelled.json()["status"] == "cancelled"
        assert client.patch(url, json={"status": "completed"}).status_code == 409
        assert client.delete(url).status_code == 204
        assert client.get(url).status_code == 404


def test_bad_requests_name_the_field():
    """An unknown place, a date that is none, a slot never offered, a malformed ONT, no
    login: TMF Error bodies with the field."""
    with field_force(lab(shift_start_hour=8, shift_end_hour=18)) as (served, client):
        slot = first_slot(client)
        unknown = client.post(f"{API}/searchTimeSlot", json={
            "relatedPlace": {"id": "NOPE", "role": "installationAddress"}})
        assert unknown.status_code == 400 and "relatedPlace.id" in unknown.json()["message"]
        bad_date = book(client, {"validFor": {"startDateTime": "soon",
                                              "endDateTime": "later"}})
        assert "validFor.startDateTime" in bad_date.json()["message"]
        elsewhere = {"startDateTime": slot["validFor"]["startDateTime"].replace("08:", "09:"),
                     "endDateTime": slot["validFor"]["endDateTime"]}
        assert book(client, {"validFor": elsewhere}).status_code == 409
        broken = book(client, slot, relatedEntity=[{**ONT, "id": "EX01-OLT01"}])
        assert "relatedEntity[0].id" in broken.json()["message"]
        anonymous = httpx.get(f"http://127.0.0.1:{served.http_port}{API}/appointment")
        assert anonymous.status_code == 401 and valid("Error", anonymous.json())


def test_state_changes_are_notified_to_hub_listeners():
    """A listener registered for state changes receives the completion, as a valid
    AppointmentStateChangeEvent."""
    received: list[dict[str, Any]] = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    try:
        with field_force(lab(), speed=20_000) as (_, client):
            registered = client.post(f"{API}/hub", json={
                "callback": f"http://127.0.0.1:{listener.server_port}/listener",
                "query": "eventType=AppointmentStateChangeEvent"})
            assert valid("EventSubscription", registered.json())
            book(client, first_slot(client)).raise_for_status()
            event = wait_for(lambda: received and received[-1])
            valid("AppointmentStateChangeEvent", event)
            assert event["event"]["appointment"]["status"] == "completed"
            assert client.delete(f"{API}/hub/{registered.json()['id']}").status_code == 204
    finally:
        listener.shutdown()


# -- the diary on a plain simulation clock (no wire) -----------------------------------

def diary(**workforce: Any) -> tuple[Any, Diary, list[OntRef]]:
    scenario = scenario_from_dict(lab(**workforce), "lab.yaml")
    built = build_lab(scenario, scenario.seed)
    online: list[OntRef] = []
    return built.env, Diary(built.env, built.network, built.workforce,
                            lambda ont: online.append(ont) or True), online


def test_a_day_offers_what_the_present_technicians_can_do():
    """Capacity is technicians present x shift / (travel + install): 2 x 10 h / 5 h = 4
    visits a day; a full day is no longer offered; an absence halves it."""
    env, book_, _ = diary(shift_start_hour=8, shift_end_hour=18,
                          travel_min={"dist": "constant", "value": 60},
                          install_min={"dist": "constant", "value": 240})
    crew = next(iter(book_.crews.values()))
    assert book_.capacity(crew) == 4
    day1 = (DAY_S + 8 * HOUR_S, DAY_S + 18 * HOUR_S)
    for _ in range(4):
        book_.book(PLACE, *day1, None, {})
    offered = [s.day for s in book_.search(PLACE, None, None).slots]
    assert 1 not in offered and 2 in offered
    with pytest.raises(DiaryError) as full:
        book_.book(PLACE, *day1, None, {})
    assert full.value.status == 409
    crew.set_absent(1)
    assert book_.capacity(crew) == 2


def test_a_visit_that_starts_after_its_slot_is_noted_late():
    """Two bookings for the two technicians of a one-hour shift; one is absent, so the
    other does both: the second sets off next morning and says it is late. Both complete
    and bring their ONTs online."""
    env, book_, online = diary(shift_start_hour=8, shift_end_hour=9,
                               install_min={"dist": "constant", "value": 55})
    slot = (8 * HOUR_S, 9 * HOUR_S)
    made = [book_.book(PLACE, *slot, OntRef("EX01-OLT01", 1, 1, n), {}) for n in (1, 2)]
    next(iter(book_.crews.values())).set_absent(1)
    env.run(until=2 * DAY_S)
    assert [a.status.value for a in made] == ["completed", "completed"]
    assert [str(o) for o in online] == ["EX01-OLT01/1/1/1", "EX01-OLT01/1/1/2"]
    assert not made[0].notes and "late" in made[1].notes[0][1]
    assert made[1].visit_start_s == DAY_S + 8 * HOUR_S


# -- --db: bookings survive a restart ----------------------------------------------------

@contextmanager
def lab_on(db: Path, raw: dict[str, Any], speed: float) -> Iterator[httpx.Client]:
    """An emulator of ``raw`` on the database ``db`` (resumed when it exists)."""
    store = Store(db)
    try:
        scenario = scenario_from_dict(raw, "lab.yaml")
        built = build_lab(scenario, scenario.seed, store)
        with EmulatorThread(Emulator(built, speed, store), CREDENTIALS) as served, \
                restconf(served) as client:
            yield client
    finally:
        store.close()


def test_a_booking_survives_a_restart_with_a_db(tmp_path):
    """Day shifts from 08:00, the clock at midnight: a booking made before a restart is
    there after it as it was, a deleted one stays gone, the next booking gets a new id,
    and the kept booking's visit still happens (after the restart, at speed) and brings
    its ONT online."""
    db, raw = tmp_path / "lab.sqlite", lab(shift_start_hour=8, shift_end_hour=18)
    with lab_on(db, raw, speed=1.0) as client:
        port = f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1"
        client.post(port, headers=JSON, json=ont_json(1, "ALCL00000001")).raise_for_status()
        slot = first_slot(client)
        kept = book(client, slot, description="ring twice").json()
        gone = book(client, slot).json()
        assert client.delete(f"{API}/appointment/{gone['id']}").status_code == 204
    with lab_on(db, raw, speed=20_000) as client:
        again = client.get(f"{API}/appointment/{kept['id']}")
        assert again.status_code == 200, again.text
        assert {k: v for k, v in again.json().items() if k != "lastUpdate"} == \
            {k: v for k, v in kept.items() if k != "lastUpdate"}
        assert client.get(f"{API}/appointment/{gone['id']}").status_code == 404
        assert int(book(client, first_slot(client)).json()["id"]) > int(gone["id"])

        def done() -> Any:
            doc = client.get(f"{API}/appointment/{kept['id']}").json()
            return doc if doc["status"] != "confirmed" else None
        assert valid("Appointment", wait_for(done))["status"] == "completed"
        ont = client.get(f"{port}/ont=1").json()["omsim-olt:ont"][0]
        assert ont["oper-state"] == "online"


def test_a_visit_under_way_at_a_restart_is_dispatched_again():
    """A technician had set off when the emulator stopped: the restored booking is still
    confirmed, goes back to the crew's queue, completes, and says what happened."""
    env, book_, _ = diary(shift_start_hour=0, shift_end_hour=24,
                          install_min={"dist": "constant", "value": 60})
    made = book_.book(PLACE, 0.0, DAY_S, OntRef("EX01-OLT01", 1, 1, 1), {"externalId": "x"})
    taken: list[Any] = []
    book_.on_taken = taken.append  # what --db keeps when a technician sets off
    env.run(until=HOUR_S / 2)
    assert made.taken and made.status.value == "confirmed" and taken == [made]
    env2, after, online = diary(shift_start_hour=0, shift_end_hour=24,
                                install_min={"dist": "constant", "value": 60})
    env2.run(until=HOUR_S / 2)  # the restarted clock resumes where the first stopped
    after.restore([record_of(made)], book_.next_id)
    restored = after.appointments[made.id]
    assert not restored.taken and "dispatched again" in restored.notes[-1][1]
    env2.run(until=DAY_S)
    assert restored.status.value == "completed" and [str(o) for o in online] == \
        ["EX01-OLT01/1/1/1"]
    assert after.book(PLACE, DAY_S, 2 * DAY_S, None, {}).id == str(int(made.id) + 1)
