"""GET of every collection, from the database alone: a list (filters on any attribute,
ANDed; ``fields``; ``offset``/``limit`` with ``X-Total-Count`` and ``X-Result-Count``)
and one document by id. The read-only TMF641 / TMF652 / TMF637 / TMF638 / TMF639 views
are nothing else."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from sim.live.api.errors import ApiError
from sim.live.api.gateway import JSON, Gateway
from sim.live.api.openapi import component, responses
from sim.live.views import BASE_PATHS, COLLECTIONS

_PAGING = {"fields", "offset", "limit"}
# The collections no request changes: the service, resource and inventory views.
READ_ONLY = ("serviceOrder", "resourceOrder", "product", "service", "resource")


def router(gateway: Gateway) -> APIRouter:
    """GET list and by id of every read-only view."""
    routes = APIRouter()
    for collection in READ_ONLY:
        add_list_and_get(routes, gateway, collection)
    return routes


def add_list_and_get(routes: APIRouter, gateway: Gateway, collection: str) -> None:
    """GET list and GET by id of ``collection`` on ``routes``."""
    base = f"{BASE_PATHS[COLLECTIONS[collection]]}/{collection}"
    schema = component(collection)
    max_limit = gateway.settings.max_limit

    async def list_documents(request: Request, fields: str | None = None,
                             offset: int = Query(0, ge=0, le=2**62),
                             limit: int = Query(100, ge=1, le=max_limit)) -> Response:
        filters = [(k, v) for k, v in request.query_params.multi_items() if k not in _PAGING]
        total, bodies = gateway.reader.list(collection, filters, offset, limit)
        if fields is not None:
            content = json.dumps([_select(json.loads(b), fields) for b in bodies])
        else:
            content = "[" + ",".join(bodies) + "]"
        return Response(content, media_type=JSON, status_code=200,
                        headers={"X-Total-Count": str(total), "X-Result-Count": str(len(bodies))})

    async def get_document(id: str, fields: str | None = None) -> Response:
        body = gateway.reader.get(collection, id)
        if body is None:
            raise ApiError(404, f"no {collection} '{id}'")
        if fields is not None:
            return JSONResponse(_select(json.loads(body), fields))
        return Response(body, media_type=JSON)

    routes.add_api_route(base, list_documents, methods=["GET"], tags=[collection],
                         name=f"list_{collection}",
                         responses=responses(200, [f"{schema}_Selection"], 400, 401))
    routes.add_api_route(f"{base}/{{id}}", get_document, methods=["GET"], tags=[collection],
                         name=f"get_{collection}",
                         responses=responses(200, f"{schema}_Selection", 400, 401, 404))


def _select(doc: dict[str, Any], fields: str) -> dict[str, Any]:
    keep = {f.strip() for f in fields.split(",")} | {"id", "href", "@type"}
    return {k: v for k, v in doc.items() if k in keep}
