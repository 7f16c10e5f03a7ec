"""``/omsim``: what is not TMF. The service's health and figures, the service addresses
of the emulated network (to build realistic orders), and a trivial endpoint that
measures the API's own throughput."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from sim.live.api.gateway import Gateway


def router(gateway: Gateway) -> APIRouter:
    routes = APIRouter()

    @routes.post("/omsim/echo", tags=["omsim"])
    async def echo() -> dict[str, str]:
        """A trivial endpoint: the baseline for the API's own throughput."""
        return {"status": "ok"}

    @routes.get("/omsim/status", tags=["omsim"])
    async def status() -> dict[str, Any]:
        """Whether the service takes writes (and why not), the live clock, what the order
        manager holds, the replay, and each hub listener's deliveries and drops."""
        return gateway.service.status()

    @routes.get("/omsim/addresses", tags=["omsim"])
    async def addresses(serviceable: bool = True, offset: int = Query(0, ge=0, le=2**62),
                        limit: int = Query(100, ge=1, le=100_000)) -> list[dict[str, Any]]:
        """Service addresses of the emulated network (to build realistic orders)."""
        network = gateway.service.run.om.network
        pool = network.serviceable_addresses() if serviceable else network.addresses
        return [{"id": a.id, "address": str(a), "serviceable": a.serviceable}
                for a in pool[offset:offset + limit]]

    return routes
