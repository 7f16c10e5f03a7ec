"""The wire: HTTP clients for the emulator's RESTCONF, IPAM and appointment APIs, on an
asyncio loop in a thread of its own, so that no request ever holds the order manager's
clock. :meth:`Wire.submit` hands it a coroutine from any thread.

:func:`configure` carries out one plan (see :mod:`sim.southbound.plans`) against
RESTCONF and the IPAM, and raises :class:`om.SouthboundError` with the fallout cause
when the network refuses (:mod:`sim.southbound.causes`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

from om import FalloutCause
from sim.southbound.causes import first_error, refused, restconf_error, transport_error
from sim.southbound.link import Link
from sim.southbound.plans import IpRecord, Plan

T = TypeVar("T")
YANG_JSON = "application/yang-data+json"
CONNECT_S = 5.0  # wall seconds to open a connection
IPAM = "/api/ipam/ip-addresses/"


class Wire:
    """The link's HTTP clients on their own loop thread; :meth:`close` when done."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name="omsim-southbound")
        self._thread.start()
        limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
        timeout = httpx.Timeout(30.0, connect=CONNECT_S)

        async def open_clients() -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
            basic = httpx.AsyncClient(base_url=link.base, auth=(link.user, link.password),
                                      limits=limits, timeout=timeout)
            token = httpx.AsyncClient(base_url=link.base, limits=limits, timeout=timeout,
                                      headers={"Authorization": f"Token {link.token}",
                                               "Accept": "application/json"})
            return basic, token
        self._basic, self._token = self.call(open_clients())

    def submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    def call(self, work: Coroutine[Any, Any, T], timeout_s: float = 30.0) -> T:
        """Run ``work`` on the wire and wait for it (not from the loop's own thread)."""
        return self.submit(work).result(timeout_s)

    def close(self) -> None:
        if not self._thread.is_alive():
            return

        async def shut() -> None:
            await self._basic.aclose()
            await self._token.aclose()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        try:
            self.call(shut(), 10.0)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

    # -- the three APIs ------------------------------------------------------------------
    async def restconf(self, method: str, path: str, body: Any = None,
                       timeout_s: float = 30.0) -> httpx.Response:
        headers = {"Accept": YANG_JSON}
        if body is not None:
            headers["Content-Type"] = YANG_JSON
        return await self._basic.request(method, path, json=body, headers=headers,
                                         timeout=httpx.Timeout(timeout_s, connect=CONNECT_S))

    async def ipam(self, method: str, path: str, body: Any = None,
                   params: dict[str, str] | None = None, timeout_s: float = 30.0
                   ) -> httpx.Response:
        return await self._token.request(method, path, json=body, params=params,
                                         timeout=httpx.Timeout(timeout_s, connect=CONNECT_S))

    async def tmf(self, method: str, path: str, body: Any = None,
                  params: dict[str, str] | None = None, timeout_s: float = 30.0
                  ) -> httpx.Response:
        return await self._basic.request(method, path, json=body, params=params,
                                         headers={"Accept": "application/json"},
                                         timeout=httpx.Timeout(timeout_s, connect=CONNECT_S))


async def configure(wire: Wire, plan: Plan) -> None:
    """Carry out a configuration plan: record the address and PUT the unit, or DELETE
    the unit and release the address. SouthboundError when refused or unanswered."""
    try:
        if plan.remove:
            await _remove(wire, plan)
        else:
            await _put(wire, plan)
    except httpx.HTTPError as exc:
        raise transport_error(plan.key, plan.element, exc) from None


async def _put(wire: Wire, plan: Plan) -> None:
    if plan.ip is not None:
        await _record(wire, plan, plan.ip)
    unit = plan.unit
    if unit is None:
        return
    answer = await wire.restconf("PUT", unit.path, unit.body, plan.timeout_s)
    if answer.status_code not in (200, 201, 204):
        raise restconf_error(plan.key, plan.element, answer, unit.conflict)


async def _remove(wire: Wire, plan: Plan) -> None:
    unit = plan.unit
    if unit is not None:
        answer = await wire.restconf("DELETE", unit.path, timeout_s=plan.timeout_s)
        gone = answer.status_code == 404 or (
            answer.status_code == 409 and first_error(answer).get("error-tag") == "data-missing")
        if answer.status_code not in (200, 204) and not gone:
            raise restconf_error(plan.key, plan.element, answer, unit.conflict)
    if plan.ip is not None:
        await _release(wire, plan, plan.ip)


async def _record(wire: Wire, plan: Plan, ip: IpRecord) -> None:
    """Record the address in the IPAM (taking it from the pool), or find it recorded by
    this order manager already (a retry)."""
    answer = await wire.ipam("POST", IPAM, {"address": ip.address, "status": "active",
                                            "description": ip.owner},
                             timeout_s=plan.timeout_s)
    if answer.status_code == 201:
        return
    if answer.status_code == 409:
        raise refused(plan.key, plan.element, "IPAM", answer,
                      FalloutCause.RESOURCE_EXHAUSTED)
    if answer.status_code == 400 and "Duplicate" in answer.text:
        if await _owned(wire, plan, ip):
            return
        raise refused(plan.key, plan.element, "IPAM: the address is recorded for someone "
                      "else", answer, FalloutCause.INVENTORY_MISMATCH, ip.conflict)
    raise refused(plan.key, plan.element, "IPAM", answer)


async def _owned(wire: Wire, plan: Plan, ip: IpRecord) -> list[int]:
    """Ids of the IPAM records of the address this order manager holds."""
    answer = await wire.ipam("GET", IPAM, params={"address": ip.address.partition("/")[0],
                                                  "description": ip.owner, "limit": "0"},
                             timeout_s=plan.timeout_s)
    if answer.status_code != 200:
        raise refused(plan.key, plan.element, "IPAM", answer)
    return [r["id"] for r in answer.json()["results"]]


async def _release(wire: Wire, plan: Plan, ip: IpRecord) -> None:
    for record_id in await _owned(wire, plan, ip):
        answer = await wire.ipam("DELETE", f"{IPAM}{record_id}/", timeout_s=plan.timeout_s)
        if answer.status_code not in (204, 404):
            raise refused(plan.key, plan.element, "IPAM", answer)
