"""RESTCONF (RFC 8040) on the network's datastore, JSON only (RFC 7951).

``/restconf/data/omsim-network:network/element=EX01-OLT01/omsim-olt:olt/pon-port=1,2``
is a data resource: GET reads it (``?content=config|nonconfig|all``), PUT replaces it,
PATCH merges into it, DELETE deletes it, POST creates the child its body holds (201 with
a Location). Writes go through the same pipeline as NETCONF's edit-config, so an
element's error, a full pool, drift or an outage look the same - as an
``ietf-restconf:errors`` body with the status of RFC 8040 section 7 (503 for an element
that cannot be reached). A lost answer is held: the change is applied, and the response
comes the element's ``late_answer_s`` later (simulated), unless the client gave up
first.

The api-path is split on the *raw* request path: Starlette's decoded path has already
turned ``%2F`` into ``/`` and would cut a key in two. HTTP basic auth with the emulator's
user and password guards everything but ``/.well-known/host-meta``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from sim.emulate.auth import BASIC_CHALLENGE, Credentials, basic_ok
from sim.emulate.edit import apply, elements_of
from sim.emulate.edit_json import Resource, build, resolve, segment_of
from sim.emulate.errors import RpcError, protocol_error
from sim.emulate.model import modules_state, yang_library
from sim.emulate.render import resource_json, state_only
from sim.emulate.tree import KeyedList

if TYPE_CHECKING:
    from sim.emulate.emulator import Emulator

log = logging.getLogger("omsim.emulate.restconf")

MEDIA = "application/yang-data+json"
DATA = "/restconf/data"
LIBRARIES = {"ietf-yang-library:yang-library": yang_library,
             "ietf-yang-library:modules-state": modules_state}
ACCEPTED = ("*/*", "application/*", MEDIA, "application/json")
UNAVAILABLE = ("element-unreachable", "shutting-down")  # app-tags answered 503
DISCONNECT_POLL_S = 0.5  # how often a held request (a lost answer) looks for its client

# RFC 8040 section 7: error-tag -> HTTP status.
STATUS = {"in-use": 409, "invalid-value": 400, "too-big": 413, "missing-attribute": 400,
          "bad-attribute": 400, "unknown-attribute": 400, "bad-element": 400,
          "unknown-element": 400, "unknown-namespace": 400, "access-denied": 401,
          "lock-denied": 409, "resource-denied": 409, "rollback-failed": 500,
          "data-exists": 409, "data-missing": 409, "operation-not-supported": 405,
          "operation-failed": 500, "partial-operation": 500, "malformed-message": 400,
          "missing-element": 400}


def errors_response(exc: RpcError, status: int | None = None,
                    headers: dict[str, str] | None = None) -> Response:
    """The ``ietf-restconf:errors`` body of ``exc``, with its status."""
    error: dict[str, Any] = {"error-type": exc.error_type, "error-tag": exc.tag}
    if exc.app_tag:
        error["error-app-tag"] = exc.app_tag
    if exc.path:
        error["error-path"] = exc.path.instance_id()
    error["error-message"] = exc.message
    if exc.info:
        error["error-info"] = exc.info
    status = status or exc.http_status
    if status is None:
        status = 503 if exc.app_tag in UNAVAILABLE else STATUS.get(exc.tag, 400)
    return Response(json.dumps({"ietf-restconf:errors": {"error": [error]}}), status,
                    media_type=MEDIA, headers=headers)


def restconf_router(emulator: Emulator, credentials: Credentials) -> APIRouter:
    """The RESTCONF API of ``emulator``."""
    router = APIRouter()

    @router.get("/.well-known/host-meta")
    async def host_meta() -> Response:
        return Response("<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>"
                        "<Link rel='restconf' href='/restconf'/></XRD>",
                        media_type="application/xrd+xml")

    @router.get("/restconf")
    async def root(request: Request) -> Response:
        return _guarded(request, credentials) or _json(
            {"ietf-restconf:restconf": {"data": {}, "operations": {},
                                        "yang-library-version": "2019-01-04"}})

    @router.get("/restconf/yang-library-version")
    async def version(request: Request) -> Response:
        return _guarded(request, credentials) or _json(
            {"ietf-restconf:yang-library-version": "2019-01-04"})

    @router.api_route(DATA, methods=["GET", "PUT", "POST", "PATCH", "DELETE"])
    @router.api_route(DATA + "/{rest:path}", methods=["GET", "PUT", "POST", "PATCH", "DELETE"])
    async def data(request: Request) -> Response:
        refused = _guarded(request, credentials)
        if refused is not None:
            return refused
        activity = emulator.activity  # for the dashboard: requests and rpc-errors
        activity.restconf_request(request.method)
        try:
            return await _data(emulator, request)
        except RpcError as exc:
            activity.rpc_error("restconf", exc.tag)
            return errors_response(exc)
        except Exception as exc:  # a bug on this one request: say so, and go on
            log.exception("RESTCONF %s %s failed", request.method, request.url.path)
            activity.rpc_error("restconf", "operation-failed")
            return errors_response(RpcError("operation-failed", "the emulator failed on "
                                            f"this request ({type(exc).__name__})",
                                            app_tag="internal-error"), 500)
    return router


def _guarded(request: Request, credentials: Credentials) -> Response | None:
    """401 (with the challenge) unless ``request`` has the basic auth; 406 unless it
    accepts JSON."""
    if not basic_ok(request, credentials):
        return errors_response(protocol_error("access-denied", "HTTP basic auth with the "
                                              "emulator's user and password required"),
                               401, BASIC_CHALLENGE)
    accept = request.headers.get("accept", "*/*")
    if not any(a.split(";")[0].strip() in ACCEPTED for a in accept.split(",")):
        return errors_response(protocol_error("invalid-value", f"cannot answer in {accept}"
                                              f": only {MEDIA}"), 406)
    return None


async def _data(emulator: Emulator, request: Request) -> Response:
    raw_path = request.scope["raw_path"].decode("latin-1").split("?")[0]
    segments = [s for s in raw_path[len(DATA):].split("/") if s]
    for name in request.query_params:
        if name != "content" or request.method != "GET":
            raise protocol_error("invalid-value", f"query parameter {name!r} is not "
                                 "supported here", bad_attribute=name)
    if segments and segments[0] in LIBRARIES:
        if request.method != "GET" or len(segments) > 1:
            raise protocol_error("operation-not-supported", "the YANG library is read "
                                 "whole and only read")
        return _json(LIBRARIES[segments[0]]())
    target = resolve(emulator.model, segments)
    if request.method == "GET":
        return _json(_read(emulator, target, request.query_params.get("content", "all")))
    body = await _body(request) if request.method != "DELETE" else None
    return await _write(emulator, request, target, body, raw_path)


def _read(emulator: Emulator, target: list[Resource], content: str) -> dict[str, Any]:
    if content not in ("all", "config", "nonconfig"):
        raise protocol_error("invalid-value", f"content={content}: all, config or nonconfig",
                             bad_attribute="content")
    names = {str(target[1].key[0])} if len(target) > 1 and target[1].key else None
    node: Any = emulator.read(content != "config", names)
    if not target:
        if content == "nonconfig":
            node = state_only(emulator.model, emulator.model.top, node) or {}
        return resource_json(emulator.model.top, node, False)
    for resource in target[1:]:
        node = node.get(resource.member) if isinstance(node, dict) else None
        if isinstance(node, KeyedList):
            node = node.get(resource.key)
        if node is None:
            raise RpcError("invalid-value", "no such data resource", resource.path,
                           error_type="protocol", http_status=404)
    last = target[-1]
    if content == "nonconfig":
        node = state_only(emulator.model, last.sn, node)
    return resource_json(last.sn, node, last.key is not None)


async def _body(request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip()
    if media not in (MEDIA, "application/json"):
        raise RpcError("invalid-value", f"a body must be {MEDIA}, not {media or 'untyped'}",
                       error_type="protocol", http_status=415)
    try:
        return json.loads((await request.body()).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RpcError("malformed-message", f"the body is not JSON: {exc}",
                       error_type="rpc") from None


async def _write(emulator: Emulator, request: Request, target: list[Resource], body: Any,
                 raw_path: str) -> Response:
    edit, written = build(emulator.model, target, request.method, body)
    existed = request.method == "PUT" and _exists(emulator, [*target[:-1], written])
    answer = await emulator.unless_closing(emulator.configure(
        elements_of(edit), lambda journal: apply(emulator.datastore.network, edit, "none",
                                                 journal)))
    if answer.late_s is not None:
        await emulator.unless_closing(_held(request, emulator.after(answer.late_s)))
    if request.method == "POST":
        location = raw_path.rstrip("/") + "/" + segment_of(written)
        return Response(status_code=201, headers={"Location": quote(location, safe="/:=,%")})
    return Response(status_code=201 if request.method == "PUT" and not existed else 204)


def _exists(emulator: Emulator, target: list[Resource]) -> bool:
    node: Any = emulator.datastore.network
    for resource in target[1:]:
        node = node.get(resource.member) if isinstance(node, dict) else None
        if isinstance(node, KeyedList):
            node = node.get(resource.key)
        if node is None:
            return False
    return True


async def _held(request: Request, due: asyncio.Future[Any]) -> None:
    """A lost answer: keep the request open until it is ``due`` or the client gives up
    (then nobody reads what follows)."""
    while not due.done():
        if await request.is_disconnected():
            due.cancel()
            return
        await asyncio.wait({due}, timeout=DISCONNECT_POLL_S)


def _json(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), media_type=MEDIA)
