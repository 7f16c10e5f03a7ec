"""``omsim emulate``'s dashboard: what the network lab shows, at ``/omsim/ui`` (``/``
leads there), following the emulator through server-sent events (the shell is
:mod:`sim.dashboard`'s, shared with ``omsim serve``; the page and its script are in
``sim/emulate/dashboard_page/``).

``/omsim/ui/events`` sends the lab's state (:func:`state`) once a wall second: the
simulated clock and speed, the elements (and which are unreachable now), slots in use
per pool kind and the fullest PON ports and BNGs, the crews (technicians, absent, on a
visit, visits waiting) and the TMF646 appointments by status, the scenario's fault
timeline (past, active, scheduled), and the wire activity (:mod:`sim.emulate.activity`:
NETCONF sessions, rpcs by operation, RESTCONF requests by method, rpc-errors by
error-tag), with the samples of :class:`LabHistory` the page has not seen yet.

The emulator's own login guards it: HTTP basic auth with ``--user``/``--password`` (as
RESTCONF; for scripts), or, in a browser, the login form (``POST /omsim/ui/login``, user
and password) and the cookie it sets, an HMAC of both (:mod:`sim.dashboard.login`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from sim.dashboard import login as ui_login
from sim.dashboard.events import event_stream
from sim.dashboard.faults import label
from sim.dashboard.gauges import fullest
from sim.dashboard.shell import LOGIN, PAGE, STATIC, Shell, login_page
from sim.elements.events import VisitEnded, VisitStarted
from sim.emulate.auth import Credentials, basic_ok
from sim.units import DAY_S

if TYPE_CHECKING:
    from sim.emulate.emulator import Emulator

SHELL = Shell(Path(__file__).resolve().parent / "dashboard_page", ("lab.js",))
COOKIE = "omsim_emulate_ui"  # not omsim serve's: a cookie is the host's, whatever the port
EVERY_S = 1.0  # wall seconds between two events
POINTS = 600  # samples kept: ten minutes at one a wall second
FAULT_ORDER = {"scheduled": 0, "active": 1, "past": 2}


class LabHistory:
    """Samples of the lab, one a wall second: a SimPy process waking every ``speed``
    simulated seconds, so that it samples while nobody watches too. Wire counts are per
    sample (per wall second); utilisation and the workforce as they are then."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.points: list[dict[str, Any]] = []
        self.seq = 0
        self.busy: Counter[str] = Counter()  # technicians on a visit, by crew
        self._last = emulator.activity.totals()
        for bus in {id(c.bus): c.bus for c in emulator.workforce.values()}.values():
            bus.subscribe(VisitStarted, lambda e: self.busy.update({e.crew: 1}))
            bus.subscribe(VisitEnded, lambda e: self.busy.subtract({e.crew: 1}))
        emulator.env.process(self._every_wall_second())

    def _every_wall_second(self) -> Any:
        env = self.emulator.env
        while True:
            self.sample(env.now)
            yield env.timeout(self.emulator.clock.speed * EVERY_S)

    def sample(self, now_s: float) -> None:
        activity = self.emulator.activity
        totals = activity.totals()
        pools, crews = pools_of(self.emulator), self.crews()
        technicians = sum(c["technicians"] for c in crews)
        busy = sum(c["busy"] for c in crews)
        self.seq += 1
        self.points.append({
            "seq": self.seq, "t": round(now_s, 3),
            **{name: n - self._last[name] for name, n in totals.items()},
            "netconfSessions": activity.sessions_open,
            "rpcErrorsByTag": {e["tag"]: e["netconf"] + e["restconf"]
                               for e in activity.view()["rpcErrorsByTag"]},
            "utilisation": {k: round(100 * p["inUse"] / p["capacity"], 3) if p["capacity"]
                            else 0.0 for k, p in pools.items()},
            "techniciansBusy": round(100 * busy / max(1, technicians), 3),
            "busy": busy, "visitsWaiting": sum(c["waiting"] for c in crews)})
        del self.points[:-POINTS]
        self._last = totals

    def crews(self) -> list[dict[str, Any]]:
        """Each crew now: technicians, absent, on a visit, visits waiting."""
        return [{"crew": name, "technicians": len(crew.technicians), "absent": crew.absent,
                 "busy": self.busy[crew.name], "waiting": crew.backlog}
                for name, crew in sorted(self.emulator.workforce.items())]

    def since(self, seq: int) -> list[dict[str, Any]]:
        """The samples after ``seq`` (all of them for 0)."""
        return [p for p in self.points if p["seq"] > seq]


def pools_of(emulator: Emulator) -> dict[str, dict[str, int]]:
    """Capacity and slots in use per pool kind."""
    return {kind.value: {"capacity": sum(p.capacity for p in pools),
                         "inUse": sum(p.in_use for p in pools)}
            for kind, pools in sorted(emulator.network.pools_by_kind().items(),
                                      key=lambda kv: kv[0].value)}


def faults(emulator: Emulator) -> list[dict[str, Any]]:
    """The scenario's fault timeline: scheduled first, then active, then past."""
    now_days = emulator.env.now / DAY_S
    views = []
    for n, spec in enumerate(emulator.lab.faults):
        until = spec.until_days
        state = ("scheduled" if now_days < spec.from_days else
                 "past" if until is not None and now_days >= until else "active")
        views.append({"id": f"scenario-{n}", "state": state,
                      "label": label(spec.model_dump(mode="json")),
                      "from_days": spec.from_days, "until_days": until})
    return sorted(views, key=lambda v: (FAULT_ORDER[v["state"]], v["from_days"], v["id"]))


def state(emulator: Emulator, history: LabHistory, diary: Any = None,
          seq: int = 0) -> dict[str, Any]:
    """The lab now, and the samples after ``seq``. ``diary``: the TMF646 appointments'
    (:class:`sim.emulate.appointments.Diary`), if served."""
    emulator.clock.advance()
    points = history.since(seq)
    unreachable = sorted(name for name, m in emulator.managed.items()
                         if not m.behaviour.reachable())
    appointments = Counter(str(a.status) for a in
                           list(getattr(diary, "appointments", {}).values()))
    return {"speed": emulator.clock.speed,
            "simulatedSeconds": round(emulator.env.now, 3),
            "simulatedDays": round(emulator.env.now / DAY_S, 6),
            "elements": {"count": len(emulator.managed), "unreachable": unreachable},
            "pools": pools_of(emulator), **fullest(emulator.network),
            "crews": history.crews(), "appointments": dict(sorted(appointments.items())),
            "faults": faults(emulator), "wire": emulator.activity.view(),
            "points": points, "seq": points[-1]["seq"] if points else seq}


def dashboard_router(emulator: Emulator, credentials: Credentials,
                     diary: Any = None) -> APIRouter:
    """The dashboard of ``emulator`` (with the appointments of ``diary``, if given)."""
    routes = APIRouter(include_in_schema=False)
    history = LabHistory(emulator)
    token = ui_login.cookie_token(f"{credentials.user}\n{credentials.password}")

    def allowed(request: Request) -> bool:
        return basic_ok(request, credentials) or ui_login.has_cookie(request, COOKIE, token)

    def refused() -> Response:
        return JSONResponse({"message": "HTTP basic auth with the emulator's user and "
                             "password, or the dashboard's login, required"}, 401)

    @routes.get("/")
    async def root() -> Response:
        return RedirectResponse(PAGE)

    @routes.get(PAGE)
    async def page(request: Request) -> Response:
        return SHELL.page() if allowed(request) else form()

    @routes.get(f"{STATIC}/{{name}}")
    async def static(request: Request, name: str) -> Response:
        if not allowed(request):
            return refused()
        answer = SHELL.static(name)
        return answer or JSONResponse({"message": f"no dashboard file '{name}'"}, 404)

    @routes.post(LOGIN)
    async def login(request: Request) -> Response:
        given = await ui_login.form(request)
        if not (ui_login.key_matches(given.get("user", ""), credentials.user)
                & ui_login.key_matches(given.get("password", ""), credentials.password)):
            return form("That is not the user and password this emulator was started with.")
        return ui_login.logged_in(COOKIE, token)

    @routes.get(f"{PAGE}/state")
    async def now(request: Request) -> Response:
        return JSONResponse(state(emulator, history, diary)) if allowed(request) else refused()

    @routes.get(f"{PAGE}/events")
    async def events(request: Request) -> Response:
        if not allowed(request):
            return refused()
        return event_stream(request, lambda seq: state(emulator, history, diary, seq),
                            EVERY_S)

    return routes


def form(problem: str = "") -> Response:
    """The login form: the emulator's user and password."""
    return login_page("omsim emulate: login",
                      "Log in with the user and password this emulator was started with "
                      "(<code>--user</code>, <code>--password</code>: the NETCONF and "
                      "RESTCONF login). The browser keeps a cookie derived from them, "
                      "never the password itself.",
                      {"user": ("user", "text"), "password": ("password", "password")},
                      problem)
