"""The emulator's HTTP side: one FastAPI app, built here, where every HTTP interface of
the emulated network is included - RESTCONF (:mod:`sim.emulate.restconf`) and the routers
that sit next to it (IPAM, appointments, discovery) - and the lab's dashboard
(:mod:`sim.emulate.dashboard`, at ``/omsim/ui``), which shows what they do.

An interface is a :data:`RouterFactory`: given the emulator (its datastore, network,
pools, workforce and clock) and the logins, it returns its router. The ones ``omsim
emulate`` always serves are listed in :data:`INTERFACES`; ``extra`` adds more (a test's,
or a client's own suite's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI

from sim.emulate.appointments import appointment_router
from sim.emulate.auth import Credentials
from sim.emulate.dashboard import dashboard_router
from sim.emulate.discovery import discovery_router
from sim.emulate.netbox import netbox_router
from sim.emulate.restconf import restconf_router

if TYPE_CHECKING:
    from sim.emulate.emulator import Emulator

RouterFactory = Callable[["Emulator", Credentials], APIRouter]

INTERFACES: tuple[RouterFactory, ...] = (restconf_router, netbox_router, appointment_router,
                                         discovery_router)


def build_app(emulator: Emulator, credentials: Credentials,
              extra: Sequence[RouterFactory] = ()) -> FastAPI:
    """The HTTP app of ``emulator``: every interface of :data:`INTERFACES`, then
    ``extra``, then the dashboard, each guarding itself with ``credentials``."""
    app = FastAPI(title="omsim emulate", openapi_url=None, docs_url=None, redoc_url=None)
    routers = [make(emulator, credentials) for make in (*INTERFACES, *extra)]
    # The appointments' diary, for the dashboard's appointments by status.
    diary = next((r.diary for r in routers if hasattr(r, "diary")), None)
    for router in (*routers, dashboard_router(emulator, credentials, diary)):
        app.include_router(router)
    return app
