"""TMF622 ``cancelProductOrder``: a request to cancel an order (a task the order manager
accepts or refuses, done once the order has stopped), listed and read like any other
document."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sim.live.api.body import json_body, within_limits
from sim.live.api.documents import add_list_and_get
from sim.live.api.gateway import Gateway
from sim.live.api.openapi import request_body, responses
from sim.live.api.schemas import check
from sim.live.requests import Kind
from sim.live.views import BASE_PATHS

PATH = f"{BASE_PATHS['TMF622']}/cancelProductOrder"


def router(gateway: Gateway) -> APIRouter:
    routes = APIRouter()

    @routes.post(PATH, status_code=201, tags=["cancelProductOrder"],
                 openapi_extra=request_body("CancelProductOrder_Create"),
                 responses=responses(201, "CancelProductOrder", 400, 401, 404, 409, 413, 415,
                                     503))
    async def create_cancel(request: Request) -> Response:
        body, size = await json_body(request, gateway.settings)
        check("TMF622", "CancelProductOrder_Create", body)
        await within_limits(body, size)
        return gateway.answer(*await gateway.ask(Kind.CANCEL, "", body, request),
                              location=True)

    add_list_and_get(routes, gateway, "cancelProductOrder")
    return routes
