"""``/omsim/faults``: faults on cue (:mod:`sim.live.faults`). POST injects a fault of the
scenario vocabulary now or at a simulated day, for a window or until DELETE ends it;
GET lists the timeline (the scenario's faults and the posted ones: scheduled, active,
past). A body that is no fault is a 400 naming the field, before it reaches the clock;
one that names something the network does not have (an element, a link, a region) is a
400 from the clock thread, which checks it against the network."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from sim.live.api.body import json_body, within_limits
from sim.live.api.errors import ApiError
from sim.live.api.gateway import Gateway
from sim.live.faults import FaultBodyError, parse_fault
from sim.live.requests import Kind

PATH = "/omsim/faults"


def router(gateway: Gateway) -> APIRouter:
    routes = APIRouter()

    @routes.post(PATH, status_code=201, tags=["omsim"], include_in_schema=False)
    async def inject_fault(request: Request) -> Response:
        """Inject a fault: ``kind`` and its fields as in a scenario's ``faults:`` list;
        ``from_days`` (absolute simulated day; omit: now), ``until_days`` or
        ``duration_days`` (omit both: until DELETE)."""
        body, size = await json_body(request, gateway.settings)
        await within_limits(body, size)
        try:
            parse_fault(body)
        except FaultBodyError as exc:
            raise ApiError(400, str(exc)) from None
        return gateway.answer(*await gateway.ask(Kind.FAULT_ADD, "", body), location=True)

    @routes.get(PATH, tags=["omsim"], include_in_schema=False)
    async def list_faults() -> list[dict[str, Any]]:
        """Every fault: the scenario's and the posted ones, scheduled, active and past."""
        return gateway.service.faults.views()

    @routes.get(f"{PATH}/{{id}}", tags=["omsim"], include_in_schema=False)
    async def get_fault(id: str) -> dict[str, Any]:
        view = gateway.service.faults.view(id)
        if view is None:
            raise ApiError(404, f"no fault '{id}'")
        return view

    @routes.delete(f"{PATH}/{{id}}", tags=["omsim"], include_in_schema=False)
    async def end_fault(id: str) -> Response:
        """End a posted fault now (undo it), or drop it before it begins."""
        return gateway.answer(*await gateway.ask(Kind.FAULT_END, id, {}))

    return routes
