"""The NetBox-compatible API (``/api/...``) of the emulated network's IPAM.

The subset an activation flow needs, shaped so that pynetbox works unchanged:

=====================================================  ======================================
``GET /api/``, ``GET /api/status/``                    what ``nb.version`` / ``nb.status()``
                                                       read (the ``API-Version`` header)
``GET /api/ipam/prefixes/[{id}/]``                     the BNGs' IPv4 pools (filters ``id``,
                                                       ``prefix``, ``q``)
``GET|POST /api/ipam/prefixes/{id}/available-ips/``    free addresses; allocate the next one(s)
``GET|POST /api/ipam/ip-addresses/``                   recorded addresses (filters ``id``,
                                                       ``address``, ``parent``, ``status``,
                                                       ``description``); record a given one
``GET|PATCH|PUT|DELETE /api/ipam/ip-addresses/{id}/``  one address
=====================================================  ======================================

Lists page as NetBox does (``count``/``next``/``previous``/``results``, ``limit`` and
``offset``, ``limit=0`` for the largest page). Every request needs ``Authorization:
Token <--token>`` (403 otherwise, with NetBox's messages). Errors are NetBox's:
``{"detail": ...}`` or ``{field: [messages]}``; an exhausted prefix (full, or shrunk by a
``pool_limit`` fault) answers 409, which pynetbox raises as ``AllocationError``.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

from sim.emulate.auth import Credentials, token_ok
from sim.emulate.netbox.ipam import Ipam, IpamError, IpRecord
from sim.emulate.netbox.shapes import (
    API_VERSION,
    NETBOX_VERSION,
    PAGE_SIZE,
    available_json,
    ip_json,
    page,
    page_bounds,
    prefix_json,
)

if TYPE_CHECKING:
    from sim.emulate.emulator import Emulator

MAX_BATCH = 1000  # addresses one POST may ask for
APPS = ("circuits", "core", "dcim", "extras", "ipam", "plugins", "tenancy", "users",
        "virtualization", "vpn", "wireless")


Work = Callable[[str, Any], tuple[int, Any]]  # (base url, body) -> (status, document)
Entries = tuple[bool, list[dict[str, Any]]]  # a POST body: a list or not, its objects


def netbox_router(emulator: Emulator, credentials: Credentials) -> APIRouter:
    """The NetBox-compatible IPAM API of ``emulator`` (token auth)."""
    api = _NetBox(emulator, credentials)
    router = APIRouter(prefix="/api")
    for path, endpoint, methods in (
            ("/", api.root, ["GET"]), ("/status/", api.status, ["GET"]),
            ("/ipam/", api.ipam_root, ["GET"]), ("/ipam/prefixes/", api.prefixes, ["GET"]),
            ("/ipam/prefixes/{prefix_id}/", api.prefix, ["GET"]),
            ("/ipam/prefixes/{prefix_id}/available-ips/", api.available, ["GET"]),
            ("/ipam/prefixes/{prefix_id}/available-ips/", api.allocate, ["POST"]),
            ("/ipam/ip-addresses/", api.addresses, ["GET"]),
            ("/ipam/ip-addresses/", api.record, ["POST"]),
            ("/ipam/ip-addresses/{record_id}/", api.address,
             ["GET", "PATCH", "PUT", "DELETE"])):
        router.add_api_route(path, endpoint, methods=methods)
    return router


class _NetBox:
    """The endpoints, over one emulator's IPAM."""

    def __init__(self, emulator: Emulator, credentials: Credentials) -> None:
        self.emulator = emulator
        self.credentials = credentials
        store = emulator.store
        self.ipam = Ipam(emulator.network, store.db if store is not None else None)

    async def answer(self, request: Request, work: Work,
                     read: Callable[[Request], Awaitable[Any]] | None = None) -> Response:
        """Check the token, read the body, then run ``work`` on the emulator's clock."""
        if not token_ok(request, self.credentials):
            given = request.headers.get("authorization")
            return _json({"detail": "Invalid v1 token" if given else
                          "Authentication credentials were not provided."}, 403)
        base = str(request.base_url).rstrip("/")
        try:
            body = await read(request) if read is not None else None
            status, document = self.emulator.change(lambda: work(base, body))
        except IpamError as exc:
            return _json(exc.body, exc.status)
        if document is None:
            return Response(status_code=status, headers=_HEADERS)
        return _json(document, status)

    async def root(self, request: Request) -> Response:
        return await self.answer(request, lambda base, _: (
            200, {app: f"{base}/api/{app}/" for app in APPS}))

    async def status(self, request: Request) -> Response:
        return await self.answer(request, lambda base, _: (200, {
            "django-version": "5.1", "installed-apps": {}, "netbox-version": NETBOX_VERSION,
            "plugins": {}, "python-version": "3.11", "rq-workers-running": 0}))

    async def ipam_root(self, request: Request) -> Response:
        return await self.answer(request, lambda base, _: (200, {
            "prefixes": f"{base}/api/ipam/prefixes/",
            "ip-addresses": f"{base}/api/ipam/ip-addresses/"}))

    async def prefixes(self, request: Request) -> Response:
        query = request.query_params

        def work(base: str, _: Any) -> tuple[int, Any]:
            found = list(self.ipam.prefixes.values())
            if "id" in query:
                ids = set(query.getlist("id"))
                found = [p for p in found if str(p.id) in ids]
            if "prefix" in query:
                found = [p for p in found if str(p.network) in query.getlist("prefix")]
            if "q" in query:
                text = query["q"]
                found = [p for p in found if text in str(p.network) or text in p.description]
            return 200, page(f"{base}/api/ipam/prefixes/", query,
                             [prefix_json(base, p) for p in found])
        return await self.answer(request, work)

    async def prefix(self, request: Request, prefix_id: int) -> Response:
        return await self.answer(request, lambda base, _: (
            200, prefix_json(base, self.ipam.prefix(prefix_id))))

    async def available(self, request: Request, prefix_id: int) -> Response:
        query = request.query_params

        def work(base: str, _: Any) -> tuple[int, Any]:
            p = self.ipam.prefix(prefix_id)
            limit = page_bounds(query)[0] if "limit" in query else PAGE_SIZE
            return 200, [available_json(p, slot) for slot in self.ipam.available(p, limit)]
        return await self.answer(request, work)

    async def allocate(self, request: Request, prefix_id: int) -> Response:
        def work(base: str, entries: Entries) -> tuple[int, Any]:
            many, wanted = entries
            made = [ip_json(base, r)
                    for r in self.ipam.allocate(self.ipam.prefix(prefix_id), wanted)]
            return 201, made if many else made[0]
        return await self.answer(request, work, _entries)

    async def addresses(self, request: Request) -> Response:
        query = request.query_params

        def work(base: str, _: Any) -> tuple[int, Any]:
            found = _filtered(list(self.ipam.records.values()), query)
            return 200, page(f"{base}/api/ipam/ip-addresses/", query,
                             [ip_json(base, r) for r in found])
        return await self.answer(request, work)

    async def record(self, request: Request) -> Response:
        def work(base: str, entries: Entries) -> tuple[int, Any]:
            many, wanted = entries
            made: list[IpRecord] = []
            try:
                for body in wanted:
                    made.append(self.ipam.create(body))
            except IpamError:
                for r in reversed(made):  # all or none, as one NetBox transaction
                    self.ipam.delete(r)
                raise
            out = [ip_json(base, r) for r in made]
            return 201, out if many else out[0]
        return await self.answer(request, work, _entries)

    async def address(self, request: Request, record_id: int) -> Response:
        method = request.method

        def work(base: str, body: dict[str, Any] | None) -> tuple[int, Any]:
            r = self.ipam.record(record_id)
            if method == "DELETE":
                self.ipam.delete(r)
                return 204, None
            if body is not None:
                self.ipam.update(r, body)
            return 200, ip_json(base, r)
        return await self.answer(request, work,
                                 _object if method in ("PATCH", "PUT") else None)


_HEADERS = {"API-Version": API_VERSION}


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, media_type="application/json",
                    headers=_HEADERS)


async def _body(request: Request) -> Any:
    media = request.headers.get("content-type", "").split(";")[0].strip()
    raw = await request.body()
    if raw and media != "application/json":
        raise IpamError(415, {"detail": f'Unsupported media type "{media}" in request.'})
    try:
        return json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise IpamError(400, {"detail": f"JSON parse error - {exc}"}) from None


async def _object(request: Request) -> dict[str, Any]:
    body = await _body(request)
    if not isinstance(body, dict):
        raise IpamError(400, {"non_field_errors": ["Invalid data. Expected a dictionary, but "
                                                  f"got {type(body).__name__}."]})
    return body


async def _entries(request: Request) -> tuple[bool, list[dict[str, Any]]]:
    """The objects of a POST body: one, or a list of them (NetBox's bulk create)."""
    body = await _body(request)
    many = isinstance(body, list)
    wanted = body if many else [body]
    if not wanted or len(wanted) > MAX_BATCH or not all(isinstance(w, dict) for w in wanted):
        raise IpamError(400, {"non_field_errors": [f"Invalid data. Expected a dictionary or "
                                                  f"a list of 1 to {MAX_BATCH} of them."]})
    return many, wanted


def _filtered(records: list[IpRecord], query: Any) -> list[IpRecord]:
    if "id" in query:
        ids = set(query.getlist("id"))
        records = [r for r in records if str(r.id) in ids]
    if "address" in query:
        hosts = {a.partition("/")[0] for a in query.getlist("address")}
        records = [r for r in records if r.host in hosts]
    if "parent" in query:
        try:
            nets = [ipaddress.IPv4Network(n, strict=False) for n in query.getlist("parent")]
        except ValueError:
            raise IpamError(400, {"parent": ["Enter a valid IPv4 prefix."]}) from None
        records = [r for r in records if any(ipaddress.IPv4Address(r.host) in n for n in nets)]
    for name in ("status", "description", "dns_name"):
        if name in query:
            values = set(query.getlist(name))
            records = [r for r in records if r.fields.get(name) in values]
    return records
