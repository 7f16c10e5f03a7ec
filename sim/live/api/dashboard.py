"""The live dashboard: a page at ``/omsim/ui`` (``/`` leads there) that follows the run
through server-sent events, with its static files shipped in the package (its page and
script in ``sim/live/dashboard/``, over the shell every dashboard shares,
:mod:`sim.dashboard`: uPlot, vendored with its licence, the style, the login form and
the event stream; nothing comes from the internet).

``/omsim/ui/events`` sends the run's state (:func:`state`) once a second: the clock,
orders by state, fallout by cause and layer, cycle-time percentiles, pools and the
fullest PON ports and BNGs, the workforce, the fallout work queue, hub listeners, the
fault timeline, and the samples of :class:`sim.live.figures.History` the page has not
seen yet. ``/omsim/ui/vocabulary`` lists what a fault may name (elements, links, pool
kinds, regions), for the page's fault controls, which post to ``/omsim/faults``.

With an API key, the page asks for it once (``POST /omsim/ui/login``) and keeps a
cookie derived from it (HttpOnly, SameSite=Strict; :mod:`sim.live.api.auth`,
:mod:`sim.dashboard.login`), since a browser's EventSource cannot send a header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from sim.dashboard import login as ui_login
from sim.dashboard.events import event_stream
from sim.dashboard.shell import LOGIN, PAGE, STATIC, Shell
from sim.dashboard.shell import login_page as form_page
from sim.live.api.auth import COOKIE
from sim.live.api.errors import ApiError
from sim.live.api.gateway import Gateway
from sim.live.faults import fault_kinds
from sim.live.figures import gauges
from sim.units import DAY_S

SHELL = Shell(Path(__file__).resolve().parents[1] / "dashboard", ("dashboard.js",))
EVERY_S = 1.0  # wall seconds between two events
# The fault kinds the page has controls for (any kind can be posted to /omsim/faults).
FAULT_KINDS = ("element_outage", "link_cut", "pool_limit", "lost_answers",
               "workforce_absence")


def login_page(status: int = 401, problem: str = "") -> HTMLResponse:
    """The page that asks for the API key."""
    return form_page("omsim live: API key",
                     "This server was started with an API key (<code>--api-key</code>). "
                     "Enter it to open the dashboard; the browser keeps a cookie derived "
                     "from it, never the key itself.",
                     {"api_key": ("API key", "password")}, problem, status)


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
        return SHELL.page()

    @routes.get(f"{STATIC}/{{name}}")
    async def static(name: str) -> Response:
        answer = SHELL.static(name)
        if answer is None:
            raise ApiError(404, f"no dashboard file '{name}'")
        return answer

    @routes.post(LOGIN)
    async def login(request: Request) -> Response:
        given = (await ui_login.form(request)).get("api_key", "")
        key = gateway.settings.api_key
        if key and not ui_login.key_matches(given, key):
            return login_page(401, "That is not the key this server was started with.")
        return ui_login.logged_in(COOKIE, ui_login.cookie_token(key) if key else None)

    @routes.get(f"{PAGE}/state")
    async def now() -> dict[str, Any]:
        return state(gateway)

    @routes.get(f"{PAGE}/vocabulary")
    async def names() -> dict[str, Any]:
        return vocabulary(gateway)

    @routes.get(f"{PAGE}/events")
    async def events(request: Request) -> Response:
        return event_stream(request, lambda seq: state(gateway, seq), EVERY_S,
                            last=lambda now: not now["healthy"])

    return routes
