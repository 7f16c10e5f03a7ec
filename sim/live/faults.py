"""Faults on cue: the live service's fault timeline, the scenario's faults and those
injected through ``POST /omsim/faults``.

A posted fault is one entry of a scenario's ``faults:`` list (:mod:`sim.scenario.faults`:
``kind`` and its fields) whose window is in absolute simulated days: ``from_days``
(omitted: now; not in the past), and ``until_days`` or ``duration_days`` (both omitted:
until ``DELETE``). It is checked against the network as a scenario's are
(:func:`sim.run.inject.bind_fault`), applied by a SimPy process at its start and undone
at its end, or when it is deleted. Both requests go through the command log, so a
restart replays them at the ticks they were applied at.

A fault is ``scheduled``, ``active``, ``past`` (its window is over, or it was ended
early: ``ended_days``) or ``cancelled`` (deleted before it began). The scenario's own
faults are listed too (``source: scenario``, ids ``scenario-N``) but are not deleted
here: they are part of the scenario. An ``inventory_drift`` cannot be undone (the slots
stay used in the network), so it cannot be ended early either.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, get_args

import simpy
from pydantic import TypeAdapter, ValidationError

from om import ScenarioError
from om.ids import IdSource
from sim.dashboard.faults import label
from sim.rng import stream
from sim.run.harness import Run
from sim.run.inject import bind_fault
from sim.scenario.faults import Fault
from sim.scenario.limits import MAX_DAYS
from sim.units import DAY_S

_FAULT = TypeAdapter(Fault)
WINDOW = ("from_days", "until_days", "duration_days")
MAX_FAULTS = 10_000  # posted over the life of a database: each keeps a record


class FaultBodyError(ValueError):
    """A fault body the service cannot take; ``field`` names where (dotted path)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class FaultRequest:
    """A posted fault, parsed: its spec (window left at the scenario's defaults) and
    its window as given (None: now / open-ended)."""

    spec: Any  # one of sim.scenario.faults' models
    from_days: float | None
    until_days: float | None
    duration_days: float | None


def parse_fault(body: dict[str, Any]) -> FaultRequest:
    """The fault ``body`` asks for (FaultBodyError naming the first bad field)."""
    window = {key: body[key] for key in WINDOW if key in body}
    for key, value in window.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not math.isfinite(value) or not 0 <= value <= MAX_DAYS):
            raise FaultBodyError(key, f"a number of simulated days from 0 to {MAX_DAYS:g}, "
                                      f"got {value!r}")
    if window.get("until_days") is not None and window.get("duration_days") is not None:
        raise FaultBodyError("duration_days", "give until_days or duration_days, not both")
    if window.get("duration_days") == 0:
        raise FaultBodyError("duration_days", "must be above 0")
    rest = {k: v for k, v in body.items() if k not in WINDOW}
    try:
        spec = _FAULT.validate_python(rest)
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["type"] == "union_tag_not_found":
            raise FaultBodyError("kind", f"required: which fault "
                                         f"({', '.join(fault_kinds())})") from None
        loc = [str(p) for p in error["loc"]]
        if error["type"] != "union_tag_invalid":
            loc = loc[1:]  # the tag pydantic puts first
        raise FaultBodyError(".".join(loc) or "kind", error["msg"]) from None
    return FaultRequest(spec, *(window.get(k) for k in WINDOW))


def fault_kinds() -> list[str]:
    """Every ``kind`` of the scenario's fault vocabulary."""
    models = get_args(get_args(Fault)[0])
    return [get_args(m.model_fields["kind"].annotation)[0] for m in models]


@dataclass
class LiveFault:
    """One fault on the timeline; times in simulated seconds."""

    id: str
    source: str  # "scenario" or "api"
    spec: Any
    from_s: float
    until_s: float | None
    ended_s: float | None = None  # ended early (DELETE)
    applied: bool = False
    undoable: bool = True

    def state(self, now_s: float) -> str:
        if self.ended_s is not None:
            return "past" if self.applied else "cancelled"
        if not self.applied and now_s < self.from_s:
            return "scheduled"
        if self.until_s is not None and now_s >= self.until_s:
            return "past"
        return "active"

    def view(self, now_s: float) -> dict[str, Any]:
        """The fault in the scenario's vocabulary, with its id, source and state."""
        spec = self.spec.model_dump(mode="json", exclude={"from_days", "until_days"})
        return {"id": self.id, "href": f"/omsim/faults/{self.id}", "source": self.source,
                "state": self.state(now_s), **spec,
                "from_days": round(self.from_s / DAY_S, 6),
                "until_days": None if self.until_s is None else round(self.until_s / DAY_S, 6),
                "ended_days": None if self.ended_s is None else round(self.ended_s / DAY_S, 6),
                "label": label(spec)}


# (status, reply, what the command log keeps or None), as the service's handlers return
Outcome = tuple[int, Any, str | None]


class FaultTimeline:
    """The faults of one live run: the scenario's, and those posted since."""

    def __init__(self, run: Run, scenario_faults: list[Any], seed: int,
                 over_the_wire: bool = False) -> None:
        self.run = run
        self.env: simpy.Environment = run.env
        self.seed = seed
        self.over_the_wire = over_the_wire  # faults act in the emulator then
        self.faults: dict[str, LiveFault] = {}
        for n, spec in enumerate(scenario_faults):
            until = None if spec.until_days is None else spec.until_days * DAY_S
            fault = LiveFault(f"scenario-{n}", "scenario", spec, spec.from_days * DAY_S,
                              until, undoable=False)
            self.faults[fault.id] = fault
        self._undo: dict[str, Any] = {}  # what ends each active posted fault
        self._ids = IdSource("FLT")  # a replay makes the same ones again
        self.posted = 0

    def views(self) -> list[dict[str, Any]]:
        """Every fault, scheduled first, then active, then past; by start within."""
        now = self.env.now
        order = {"scheduled": 0, "active": 1, "past": 2, "cancelled": 3}
        views = [f.view(now) for f in list(self.faults.values())]
        return sorted(views, key=lambda v: (order[v["state"]], v["from_days"], v["id"]))

    def view(self, fault_id: str) -> dict[str, Any] | None:
        fault = self.faults.get(fault_id)
        return None if fault is None else fault.view(self.env.now)

    # -- the clock thread's handlers ---------------------------------------------------
    def add(self, body: dict[str, Any]) -> Outcome:
        """Inject the fault ``body`` asks for (now or at its start)."""
        if self.over_the_wire:
            return 409, ["faults act in the emulator with --southbound: inject them "
                         "there (its scenario's faults)"], None
        if self.posted >= MAX_FAULTS:
            return 409, [f"{MAX_FAULTS:,} faults posted already, the most one database "
                         f"keeps"], None
        try:
            request = parse_fault(body)
            from_s, until_s = self._window(request)
            fault_id = self._ids()
            apply, undo = bind_fault(request.spec, self.run.om.network, self.run.emulated,
                                     stream(self.seed, 0, f"faults:{fault_id}"), "fault")
        except FaultBodyError as exc:
            return 400, [str(exc)], None
        except ScenarioError as exc:  # the binder names "fault.<field>"
            return 400, [str(exc).removeprefix("fault.")], None
        fault = LiveFault(fault_id, "api", request.spec, from_s, until_s,
                          undoable=undo is not None)
        self.faults[fault_id] = fault
        self.posted += 1
        self.env.process(self._window_process(fault, apply, undo))
        return 201, fault.view(self.env.now), fault_id

    def end(self, fault_id: str) -> Outcome:
        """End a posted fault now: undo it if active, drop it if scheduled."""
        fault = self.faults.get(fault_id)
        if fault is None:
            return 404, [f"no fault '{fault_id}'"], None
        now = self.env.now
        state = fault.state(now)
        if fault.source == "scenario":
            return 409, [f"fault {fault_id} is part of the scenario; it cannot be ended "
                         f"here"], None
        if state in ("past", "cancelled"):
            return 409, [f"fault {fault_id} is {state} already"], None
        if state == "active" and not fault.undoable:
            return 409, [f"fault {fault_id} ({fault.spec.kind}) cannot be undone: the "
                         f"slots stay used in the network"], None
        fault.ended_s = now
        if fault.applied:
            self._undo.pop(fault_id)()
        return 200, fault.view(now), fault_id

    def _window(self, request: FaultRequest) -> tuple[float, float | None]:
        now = self.env.now
        from_s = now if request.from_days is None else request.from_days * DAY_S
        if from_s < now - 1e-6:
            raise FaultBodyError("from_days", f"{request.from_days:g} is in the past (now "
                                              f"{now / DAY_S:.4f}); omit it to start now")
        until_s = None
        if request.until_days is not None:
            until_s = request.until_days * DAY_S
        elif request.duration_days is not None:
            until_s = from_s + request.duration_days * DAY_S
        if until_s is not None and until_s <= from_s:
            raise FaultBodyError("until_days", f"{request.until_days:g} is not after the "
                                               f"start ({from_s / DAY_S:.4f})")
        return from_s, until_s

    def _window_process(self, fault: LiveFault, apply: Any, undo: Any
                        ) -> Generator[simpy.Event, Any, None]:
        if fault.from_s > self.env.now:
            yield self.env.timeout(fault.from_s - self.env.now)
        if fault.ended_s is not None:  # deleted before it began
            return
        apply()
        fault.applied = True
        if undo is not None:
            self._undo[fault.id] = undo
        if fault.until_s is None:
            return
        yield self.env.timeout(fault.until_s - self.env.now)
        if fault.ended_s is None and undo is not None:
            undo()
            self._undo.pop(fault.id, None)
