"""The live REST API (FastAPI): TMF622 product ordering, read-only TMF641 / TMF652 /
TMF637 / TMF638 / TMF639 views, and a few ``/omsim`` helpers.

Requests that change something go to the clock thread (:class:`sim.live.service.LiveService`)
and are answered once they are on disk; reads come from the database. Bad input is
answered with a TMF ``Error`` body naming the field: 400 (invalid), 401 (API key), 404
(unknown id), 409 (not in a state that allows it, or an ``Idempotency-Key`` reused for
another body), 413 (too big, :mod:`sim.live.limits`), 415 (not JSON in UTF-8); 503
when the service cannot take writes (it says why). A 500 means a bug in the order
manager: that request failed, the service goes on.

The OpenAPI document carries the TMF definitions (TMF622 under their own names, the
others prefixed ``TMF641_`` ...), so schemathesis and clients see the real schemas.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any, cast

import jsonschema
from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from om.tmf_specs import load_spec, schema_validator
from sim.live.hub import callback_problem
from sim.live.idempotency import HEADER as IDEMPOTENCY_KEY
from sim.live.idempotency import fingerprint, key_problem
from sim.live.limits import body_problem
from sim.live.orders import item_problems, prepare, request_problems
from sim.live.service import LiveError, LiveService, Stored
from sim.live.service import Request as LiveRequest
from sim.live.store import Reader
from sim.live.views import BASE_PATHS, COLLECTIONS, href

JSON = "application/json"
_PAGING = {"fields", "offset", "limit"}
# The read-only views: collection -> the definition its documents follow.
READ_ONLY = {"serviceOrder": "ServiceOrder", "resourceOrder": "ResourceOrder",
             "product": "Product", "service": "Service", "resource": "Resource"}


@dataclass(frozen=True)
class ApiSettings:
    """Limits and access control of one server."""

    api_key: str | None = None
    max_items: int = 5000  # product order items per order
    max_body_bytes: int = 8 * 1024 * 1024
    max_limit: int = 1000  # largest page a list returns
    allow_remote_callbacks: bool = False
    reply_timeout_s: float = 30.0


class ApiError(Exception):
    """An answer other than success, rendered as a TMF Error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"@type": "Error", "code": str(status),
                         "reason": HTTPStatus(status).phrase, "message": message,
                         "status": str(status)}, status_code=status)


def create_app(service: LiveService, settings: ApiSettings | None = None) -> FastAPI:
    """The FastAPI application serving ``service``."""
    settings = settings or ApiSettings()
    app = FastAPI(title="omsim live order management", version="4.0.0",
                  description="TMF622 product ordering over an emulated FTTH network")
    # Opened on the first request: an app can be built only for its OpenAPI document.
    reader = functools.cache(lambda: Reader(service.store.path))
    po = BASE_PATHS["TMF622"]

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'query')}: {e['msg']}"
                    for e in exc.errors()]
        return error_response(400, "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail))

    @app.middleware("http")
    async def _api_key(request: Request, call_next: Callable[[Request], Awaitable[Any]]
                       ) -> Any:
        # Every route, the OpenAPI document and /docs included: the map of the API is
        # no more public than the API.
        if settings.api_key:
            given = request.headers.get("x-api-key", "")
            bearer = request.headers.get("authorization", "")
            if bearer.lower().startswith("bearer "):
                given = given or bearer[7:]
            if not hmac.compare_digest(given.encode(), settings.api_key.encode()):
                return error_response(401, "missing or wrong API key (X-API-Key header)")
        return await call_next(request)

    async def ask(kind: str, target: str, body: dict[str, Any], request: Request | None = None
                  ) -> tuple[int, Any]:
        key = ""
        if request is not None and IDEMPOTENCY_KEY in request.headers:
            key = request.headers[IDEMPOTENCY_KEY]
            problem = key_problem(key)
            if problem:
                raise ApiError(400, problem)
        body_print = await asyncio.to_thread(fingerprint, kind, body) if key else ""
        # What the clock thread would otherwise build itself, built here.
        prepared = await asyncio.to_thread(prepare, body) if kind == "create" else None
        future = service.submit(LiveRequest(kind, target, body, key, body_print, prepared))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future),
                                          settings.reply_timeout_s)
        except LiveError as exc:
            raise ApiError(503, f"the service cannot take writes: {exc}") from None
        except TimeoutError:
            raise ApiError(503, f"the simulation did not answer within "
                                f"{settings.reply_timeout_s:g} s") from None

    def answer(status: int, doc: Any, location: bool = False) -> Response:
        if status >= 400:
            return error_response(status, "; ".join(doc))
        if status == 204:
            return Response(status_code=204)
        headers = {}
        if isinstance(doc, Stored):
            text = reader().get(doc.collection, doc.id)
            if text is None:  # an idempotent repeat of a POST whose result was deleted
                return error_response(409, f"{IDEMPOTENCY_KEY}: the {doc.collection} that "
                                           f"request created, {doc.id}, was deleted since")
            if doc.replayed:
                headers["Idempotent-Replayed"] = "true"
            if location:
                headers["Location"] = href(doc.collection, doc.id)
            return Response(text, status_code=status, media_type=JSON, headers=headers)
        if location:
            headers["Location"] = doc["href"]
        return JSONResponse(doc, status_code=status, headers=headers)

    # -- TMF622 productOrder ------------------------------------------------------------
    @app.post(f"{po}/productOrder", status_code=201, tags=["productOrder"],
              openapi_extra=_body("ProductOrder_Create"),
              responses=_responses(201, "ProductOrder", 400, 401, 409, 413, 415, 503))
    async def create_product_order(request: Request) -> Response:
        body, size = await _json_body(request, settings)
        items = body.get("productOrderItem")
        if isinstance(items, list) and len(items) > settings.max_items:
            raise ApiError(413, f"productOrderItem: {len(items)} items, more than the limit "
                                f"of {settings.max_items}")
        # A 500-site order takes tens of ms to validate: off the event loop, so that
        # small requests keep flowing meanwhile.
        await asyncio.to_thread(_check, "TMF622", "ProductOrder_Create", body)
        await _within_limits(body, size)
        problems = request_problems(body)
        if problems:
            raise ApiError(400, "; ".join(problems[:10]))
        return answer(*await ask("create", "", body, request), location=True)

    _list_and_get(app, reader, settings, "productOrder", "ProductOrder")

    @app.patch(f"{po}/productOrder/{{id}}", tags=["productOrder"],
               openapi_extra=_body("ProductOrder_Update"),
               responses=_responses(200, "ProductOrder", 400, 401, 404, 409, 413, 415, 503))
    async def patch_product_order(id: str, request: Request) -> Response:
        body, size = await _json_body(request, settings)
        # JSON merge patch: productOrderItem is only needed when items change.
        problems = [p for p in _schema_problems("TMF622", "ProductOrder_Update", body)
                    if "'productOrderItem' is a required property" not in p]
        if not problems and isinstance(body.get("productOrderItem"), list):
            problems = item_problems(body["productOrderItem"])
        if problems:
            raise ApiError(400, "; ".join(problems[:10]))
        await _within_limits(body, size)
        return answer(*await ask("patch", id, body))

    @app.delete(f"{po}/productOrder/{{id}}", status_code=204, tags=["productOrder"],
                responses=_responses(204, None, 401, 404, 409, 503))
    async def delete_product_order(id: str) -> Response:
        return answer(*await ask("delete", id, {}))

    # -- TMF622 cancelProductOrder ------------------------------------------------------
    @app.post(f"{po}/cancelProductOrder", status_code=201, tags=["cancelProductOrder"],
              openapi_extra=_body("CancelProductOrder_Create"),
              responses=_responses(201, "CancelProductOrder", 400, 401, 404, 409, 413, 415,
                                   503))
    async def create_cancel(request: Request) -> Response:
        body, size = await _json_body(request, settings)
        _check("TMF622", "CancelProductOrder_Create", body)
        await _within_limits(body, size)
        return answer(*await ask("cancel", "", body, request), location=True)

    _list_and_get(app, reader, settings, "cancelProductOrder", "CancelProductOrder")

    # -- TMF622 hub ---------------------------------------------------------------------
    @app.post(f"{po}/hub", status_code=201, tags=["hub"],
              openapi_extra=_body("EventSubscriptionInput"),
              responses=_responses(201, "EventSubscription", 400, 401, 409, 413, 415, 503))
    async def register_listener(request: Request) -> Response:
        body, size = await _json_body(request, settings)
        _check("TMF622", "EventSubscriptionInput", body)
        await _within_limits(body, size)
        problem = callback_problem(body["callback"], settings.allow_remote_callbacks)
        if problem:
            raise ApiError(400, problem)
        return answer(*await ask("hub_add", "", body))

    @app.delete(f"{po}/hub/{{id}}", status_code=204, tags=["hub"],
                responses=_responses(204, None, 401, 404, 503))
    async def unregister_listener(id: str) -> Response:
        return answer(*await ask("hub_remove", id, {}))

    # -- read-only views ----------------------------------------------------------------
    for collection, definition in READ_ONLY.items():
        _list_and_get(app, reader, settings, collection, definition)

    # -- omsim helpers ------------------------------------------------------------------
    @app.post("/omsim/echo", tags=["omsim"])
    async def echo() -> dict[str, str]:
        """A trivial endpoint: the baseline for the API's own throughput."""
        return {"status": "ok"}

    @app.get("/omsim/status", tags=["omsim"])
    async def status() -> dict[str, Any]:
        """Whether the service takes writes (and why not), the live clock, what the order
        manager holds, the replay, and each hub listener's deliveries and drops."""
        return service.status()

    @app.get("/omsim/addresses", tags=["omsim"])
    async def addresses(serviceable: bool = True, offset: int = Query(0, ge=0, le=2**62),
                        limit: int = Query(100, ge=1, le=100_000)) -> list[dict[str, Any]]:
        """Service addresses of the emulated network (to build realistic orders)."""
        network = service.run.om.network
        pool = network.serviceable_addresses() if serviceable else network.addresses
        return [{"id": a.id, "address": str(a), "serviceable": a.serviceable}
                for a in pool[offset:offset + limit]]

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the API serves, built without a service behind it (for
    clients and property-based tests)."""
    return create_app(cast(LiveService, None)).openapi()


def _list_and_get(app: FastAPI, reader: Callable[[], Reader], settings: ApiSettings,
                  collection: str, definition: str) -> None:
    """GET list (filters ANDed, fields, offset/limit, count headers) and GET by id."""
    api = COLLECTIONS[collection]
    base = f"{BASE_PATHS[api]}/{collection}"
    schema = definition if api == "TMF622" else f"{api}_{definition}"

    async def list_documents(request: Request, fields: str | None = None,
                             offset: int = Query(0, ge=0, le=2**62),
                             limit: int = Query(100, ge=1, le=settings.max_limit)) -> Response:
        filters = [(k, v) for k, v in request.query_params.multi_items() if k not in _PAGING]
        total, bodies = reader().list(collection, filters, offset, limit)
        if fields is not None:
            content = json.dumps([_select(json.loads(b), fields) for b in bodies])
        else:
            content = "[" + ",".join(bodies) + "]"
        return Response(content, media_type=JSON, status_code=200,
                        headers={"X-Total-Count": str(total), "X-Result-Count": str(len(bodies))})

    async def get_document(id: str, fields: str | None = None) -> Response:
        body = reader().get(collection, id)
        if body is None:
            raise ApiError(404, f"no {collection} '{id}'")
        if fields is not None:
            return JSONResponse(_select(json.loads(body), fields))
        return Response(body, media_type=JSON)

    app.add_api_route(base, list_documents, methods=["GET"], tags=[collection],
                      name=f"list_{collection}",
                      responses=_responses(200, [f"{schema}_Selection"], 400, 401))
    app.add_api_route(f"{base}/{{id}}", get_document, methods=["GET"], tags=[collection],
                      name=f"get_{collection}",
                      responses=_responses(200, f"{schema}_Selection", 400, 401, 404))


def _select(doc: dict[str, Any], fields: str) -> dict[str, Any]:
    keep = {f.strip() for f in fields.split(",")} | {"id", "href", "@type"}
    return {k: v for k, v in doc.items() if k in keep}


async def _json_body(request: Request, settings: ApiSettings) -> tuple[dict[str, Any], int]:
    """The request's JSON object and its size in bytes (ApiError if it is none)."""
    media_problem = _media_type_problem(request.headers.get("content-type", ""))
    if media_problem:
        raise ApiError(415, media_problem)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise ApiError(413, f"body: {declared} bytes, more than the limit of "
                            f"{settings.max_body_bytes}")
    raw = await request.body()
    if len(raw) > settings.max_body_bytes:
        raise ApiError(413, f"body: {len(raw)} bytes, more than the limit of "
                            f"{settings.max_body_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(415, "body: not UTF-8 (JSON is exchanged in UTF-8, RFC 8259)") from None
    try:
        body = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"body: not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: must be a JSON object")
    return body, len(raw)


async def _within_limits(body: dict[str, Any], size: int) -> None:
    """ApiError for the first of :mod:`sim.live.limits` ``body`` breaks. Checked after
    the schema, so that a body that is both invalid and too big is a 400."""
    problem = await asyncio.to_thread(body_problem, body, size)
    if problem:
        raise ApiError(*problem)


def _media_type_problem(content_type: str) -> str | None:
    """Why a body of ``content_type`` is not accepted, or None: JSON (application/json
    or a +json type such as application/merge-patch+json) in UTF-8."""
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    if media != JSON and not (media.startswith("application/") and media.endswith("+json")):
        return (f"content-type: '{content_type or 'none'}' is not JSON; send "
                f"application/json")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            return f"content-type: charset '{value}' is not UTF-8; JSON is UTF-8"
    return None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number (RFC 8259)")


_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


@functools.cache
def _validator(api: str, definition: str) -> Any:
    # The spec's validator, also checking the two formats TMF bodies use: a client that
    # sends "" as a date-time or a URI gets a 400 rather than an echo of it.
    return schema_validator(api, definition).evolve(format_checker=_FORMATS)


def _schema_problems(api: str, definition: str, body: dict[str, Any]) -> list[str]:
    try:
        errors = sorted(_validator(api, definition).iter_errors(body),
                        key=lambda e: (e.json_path, e.message))
    except RecursionError:
        return ["body: nested too deeply"]
    # "$.productOrderItem[0].action" -> "productOrderItem[0].action"
    return [f"{e.json_path.removeprefix('$.')}: {e.message}" for e in errors]


def _check(api: str, definition: str, body: dict[str, Any]) -> None:
    problems = _schema_problems(api, definition, body)
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ApiError(400, "; ".join(problems[:10]) + more)


# -- OpenAPI ---------------------------------------------------------------------------
def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(definition: str) -> dict[str, Any]:
    return {"requestBody": {"required": True,
                            "content": {JSON: {"schema": _ref(definition)}}}}


def _responses(ok: int, schema: str | list[str] | None, *errors: int) -> dict[int, Any]:
    out: dict[int, Any] = {}
    if schema is not None:
        content = ({"type": "array", "items": _ref(schema[0])} if isinstance(schema, list)
                   else _ref(schema))
        out[ok] = {"description": HTTPStatus(ok).phrase, "content": {JSON: {"schema": content}}}
    for status in errors:
        out[status] = {"description": HTTPStatus(status).phrase,
                       "content": {JSON: {"schema": _ref("Error")}}}
    return out


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(tmf_schemas())
    for path in doc["paths"].values():
        for operation in path.values():
            responses = operation.get("responses", {})
            # FastAPI's own 422 never happens: request errors are TMF 400s.
            if responses.pop("422", None) is not None and "400" not in responses:
                responses["400"] = {"description": "Bad Request",
                                    "content": {JSON: {"schema": _ref("Error")}}}
            if "201" in responses and "200" in responses:
                del responses["200"]
    app.openapi_schema = doc
    return doc


def tmf_schemas() -> dict[str, Any]:
    """Every definition of the served specs as OpenAPI components: TMF622's under their
    own names, the others prefixed (``TMF641_ServiceOrder``); each resource also as
    ``<name>_Selection`` (no required attributes: what ``fields=`` returns)."""
    out: dict[str, Any] = {}
    for api in ("TMF622", "TMF641", "TMF652", "TMF637", "TMF638", "TMF639"):
        prefix = "" if api == "TMF622" else f"{api}_"
        for name, schema in load_spec(api)["definitions"].items():
            out[prefix + name] = _rewrite(schema, prefix)
    for collection, definition in {**READ_ONLY, "productOrder": "ProductOrder",
                                   "cancelProductOrder": "CancelProductOrder"}.items():
        api = COLLECTIONS[collection]
        name = definition if api == "TMF622" else f"{api}_{definition}"
        out[f"{name}_Selection"] = {k: v for k, v in out[name].items() if k != "required"}
    return out


def _rewrite(schema: Any, prefix: str) -> Any:
    """A Swagger 2.0 schema as an OpenAPI 3 component: refs point at components, and the
    Swagger-only ``discriminator`` (a bare string there) is dropped."""
    if isinstance(schema, list):
        return [_rewrite(s, prefix) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "discriminator":
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
            out[key] = f"#/components/schemas/{prefix}{value.rpartition('/')[2]}"
        elif key in ("properties", "definitions") and isinstance(value, dict):
            out[key] = {k: _rewrite(v, prefix) for k, v in value.items()}
        else:
            out[key] = _rewrite(value, prefix)
    return out
