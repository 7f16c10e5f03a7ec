"""TMF622 ``hub``: listeners register a callback (checked first: http(s), a host,
loopback unless remote callbacks are allowed) and unregister it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sim.live.api.body import json_body, within_limits
from sim.live.api.errors import ApiError
from sim.live.api.gateway import Gateway
from sim.live.api.openapi import request_body, responses
from sim.live.api.schemas import check
from sim.live.hub import callback_problem
from sim.live.requests import Kind
from sim.live.views import BASE_PATHS

PATH = f"{BASE_PATHS['TMF622']}/hub"


def router(gateway: Gateway) -> APIRouter:
    routes = APIRouter()
    settings = gateway.settings

    @routes.post(PATH, status_code=201, tags=["hub"],
                 openapi_extra=request_body("EventSubscriptionInput"),
                 responses=responses(201, "EventSubscription", 400, 401, 409, 413, 415, 503))
    async def register_listener(request: Request) -> Response:
        body, size = await json_body(request, settings)
        check("TMF622", "EventSubscriptionInput", body)
        await within_limits(body, size)
        problem = callback_problem(body["callback"], settings.allow_remote_callbacks)
        if problem:
            raise ApiError(400, problem)
        return gateway.answer(*await gateway.ask(Kind.HUB_ADD, "", body))

    @routes.delete(f"{PATH}/{{id}}", tags=["hub"], status_code=204,
                   responses=responses(204, None, 401, 404, 503))
    async def unregister_listener(id: str) -> Response:
        return gateway.answer(*await gateway.ask(Kind.HUB_REMOVE, id, {}))

    return routes
