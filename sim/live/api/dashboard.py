"""The live dashboard: a page at ``/omsim/ui`` (``/`` leads there) that follows the run
through server-sent events, with its static files shipped in the package
(``sim/live/dashboard/``: the page, its script and style, and uPlot, vendored with its
licence; nothing comes from the internet).

``/omsim/ui/events`` sends the run's state (:func:`state`) once a second: the clock,
orders by state, fallout by cause and layer, cycle-time percentiles, pools and the
fullest PON ports and BNGs, the workforce, the fallout work queue, hub listeners, the
fault timeline, and the samples of :class:`sim.live.figures.History` the page has not
seen yet. ``/omsim/ui/vocabulary`` lists what a fault may name (elements, links, pool
kinds, regions), for the page's fault controls, which post to ``/omsim/faults``.

With an API key, the page asks for it once (``POST /omsim/ui/login``) and keeps a
cookie derived from it (HttpOnly, SameSite=Strict; :mod:`sim.live.api.auth`), since a
browser's EventSource cannot send a header.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

from sim.live.api.auth import COOKIE, cookie_token, key_matches
from sim.live.api.errors import ApiError
from sim.live.api.gateway import Gateway
from sim.live.faults import fault_kinds
from sim.live.figures import gauges
from sim.units import DAY_S

ASSETS = Path(__file__).resolve().parents[1] / "dashboard"
PAGE = "/omsim/ui"
LOGIN = f"{PAGE}/login"
STATIC = {"uPlot.iife.min.js": "text/javascript", "uPlot.min.css": "text/css",
          "dashboard.js": "text/javascript", "dashboard.css": "text/css"}
EVERY_S = 1.0  # wall seconds between two events
# The fault kinds the page has controls for (any kind can be posted to /omsim/faults).
FAULT_KINDS = ("element_outage", "link_cut", "pool_limit", "lost_answers",
               "workforce_absence")


def login_page(status: int = 401, problem: str = "") -> HTMLResponse:
    """The page that asks for the API key."""
    text = (ASSETS / "login.html").read_text()
    return HTMLResponse(text.replace("{problem}", problem), status_code=status)


def state(gateway: Gateway, seq: int = 0) -> dict[str, Any]:
    """The run now, and the history samples after ``seq``."""
    service = gateway.service
    f = service.figures
    points = service.history.since(seq)
    return {"scenario": service.scenario_name, "speed": service.speed,
            "simulatedSeconds": round(service.now_s, 3),
            "simulatedDays": round(service.now_s / DAY_S, 6),
            "healthy": service.healthy, "error": service.health.problem,
            "replaying": service.replaying,
            "orders": {"submitted": f.submitted, "inFlight": f.in_flight,
                       "byState": dict(sorted(dict(f.by_state).items())),
                       "ended": [{"state": s, "orderType": t, "count": n}
                                 for (s, t), n in sorted(dict(f.ended).items())]},
            "fallout": {"byCause": f.fallout_by(0), "byLayer": f.fallout_by(1)},
            "cycleHours": f.cycle.percentiles_h(),
            **gauges(service.run), "hub": service.hub.stats(),
            "faults": service.faults.views(),
            "points": points, "seq": points[-1]["seq"] if points else seq}


def vocabulary(gateway: Gateway) -> dict[str, Any]:
    """What a fault may name in this run's network."""
    run = gateway.service.run
    network = run.om.network
    kinds = sorted({name.split(":")[0] for name in run.emulated.elements})
    links = sorted(sorted((a, b)) for a, b, data in network.graph.edges(data=True)
                   if data.get("kind") == "aggregation")
    return {"faultKinds": list(FAULT_KINDS),
            "allFaultKinds": fault_kinds(),
            "elements": sorted(run.emulated.elements), "elementKinds": kinds,
            "links": [[a, b] if a.startswith("EX") else [b, a] for a, b in links],
            "pools": [p.value for p in sorted(network.pools_by_kind(), key=str)],
            "regions": list(network.regions)}


def router(gateway: Gateway) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.get("/")
    async def root() -> Response:
        return RedirectResponse(PAGE)

    @routes.get(PAGE)
    async def page() -> Response:
        return HTMLResponse((ASSETS / "index.html").read_text())

    @routes.get(f"{PAGE}/static/{{name}}")
    async def static(name: str) -> Response:
        if name not in STATIC:
            raise ApiError(404, f"no dashboard file '{name}'")
        return Response((ASSETS / name).read_bytes(), media_type=STATIC[name],
                        headers={"Cache-Control": "no-cache"})

    @routes.post(LOGIN)
    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = (form.get("api_key") or [""])[0]
        key = gateway.settings.api_key
        if key and not key_matches(given, key):
            return login_page(401, "That is not the key this server was started with.")
        answer = RedirectResponse(PAGE, status_code=303)
        if key:
            answer.set_cookie(COOKIE, cookie_token(key), httponly=True, samesite="strict",
                              path="/")
        return answer

    @routes.get(f"{PAGE}/state")
    async def now() -> dict[str, Any]:
        return state(gateway)

    @routes.get(f"{PAGE}/vocabulary")
    async def names() -> dict[str, Any]:
        return vocabulary(gateway)

    @routes.get(f"{PAGE}/events")
    async def events(request: Request) -> Response:
        return StreamingResponse(_events(gateway, request), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache",
                                          "X-Accel-Buffering": "no"})

    return routes


async def _events(gateway: Gateway, request: Request) -> AsyncIterator[str]:
    seq = 0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        now = state(gateway, seq)
        seq = now["seq"]
        yield f"event: state\ndata: {json.dumps(now, separators=(',', ':'))}\n\n"
        if not now["healthy"]:
            return
        await asyncio.sleep(EVERY_S)
