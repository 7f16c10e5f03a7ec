"""TMF622 ``productOrder``: create (an order for the order manager), list and get, PATCH
(attributes no layer acts on, or an in-flight change of characteristics, which om may
refuse) and DELETE (only a finished order)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from sim.live.api.body import json_body, within_limits
from sim.live.api.documents import add_list_and_get
from sim.live.api.errors import ApiError
from sim.live.api.gateway import Gateway
from sim.live.api.openapi import request_body, responses
from sim.live.api.schemas import check, schema_problems
from sim.live.orders import item_problems, request_problems
from sim.live.requests import Kind
from sim.live.views import BASE_PATHS

PATH = f"{BASE_PATHS['TMF622']}/productOrder"


def router(gateway: Gateway) -> APIRouter:
    routes = APIRouter()
    settings = gateway.settings

    @routes.post(PATH, status_code=201, tags=["productOrder"],
                 openapi_extra=request_body("ProductOrder_Create"),
                 responses=responses(201, "ProductOrder", 400, 401, 409, 413, 415, 503))
    async def create_product_order(request: Request) -> Response:
        body, size = await json_body(request, settings)
        items = body.get("productOrderItem")
        if isinstance(items, list) and len(items) > settings.max_items:
            raise ApiError(413, f"productOrderItem: {len(items)} items, more than the limit "
                                f"of {settings.max_items}")
        # A 500-site order takes tens of ms to validate: off the event loop, so that
        # small requests keep flowing meanwhile.
        await asyncio.to_thread(check, "TMF622", "ProductOrder_Create", body)
        await within_limits(body, size)
        problems = request_problems(body)
        if problems:
            raise ApiError(400, "; ".join(problems[:10]))
        return gateway.answer(*await gateway.ask(Kind.CREATE, "", body, request),
                              location=True)

    add_list_and_get(routes, gateway, "productOrder")

    @routes.patch(f"{PATH}/{{id}}", tags=["productOrder"],
                  openapi_extra=request_body("ProductOrder_Update"),
                  responses=responses(200, "ProductOrder", 400, 401, 404, 409, 413, 415, 503))
    async def patch_product_order(id: str, request: Request) -> Response:
        body, size = await json_body(request, settings)
        # JSON merge patch: productOrderItem is only needed when items change.
        problems = [p for p in schema_problems("TMF622", "ProductOrder_Update", body)
                    if "'productOrderItem' is a required property" not in p]
        if not problems and isinstance(body.get("productOrderItem"), list):
            problems = item_problems(body["productOrderItem"])
        if problems:
            raise ApiError(400, "; ".join(problems[:10]))
        await within_limits(body, size)
        return gateway.answer(*await gateway.ask(Kind.PATCH, id, body))

    @routes.delete(f"{PATH}/{{id}}", tags=["productOrder"], status_code=204,
                   responses=responses(204, None, 401, 404, 409, 503))
    async def delete_product_order(id: str) -> Response:
        return gateway.answer(*await gateway.ask(Kind.DELETE, id, {}))

    return routes
