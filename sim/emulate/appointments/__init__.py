"""Field force appointments for the emulated network, TMF646-shaped: free slots for a
place, booking, rescheduling, cancelling and the visit's outcome, on the scenario's own
workforce (shifts, travel and install times, no-shows, absences); a completed visit
brings its ONT online in the datastore.

    calendar  simulated seconds as dates (second 0 is a midnight)
    diary     slots, bookings and the visits they become on the crews
    views     TMF646 bodies in and documents out, checked against the vendored spec
    hub       notifications to registered listeners
    router    ``/tmf-api/appointment/v4``
"""

from sim.emulate.appointments.calendar import Calendar
from sim.emulate.appointments.diary import Appointment, Diary, DiaryError, OntRef, Status
from sim.emulate.appointments.router import appointment_router

__all__ = ["Appointment", "Calendar", "Diary", "DiaryError", "OntRef", "Status",
           "appointment_router"]
