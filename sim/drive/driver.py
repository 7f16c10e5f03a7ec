"""``omsim drive`` as a library: preflight, listener, hub registration, the
replications one after the other, and the clean-up, in one asyncio loop.

Order of things: the listener's socket is bound and the target checked
(:func:`~sim.drive.preflight.preflight`) before any order is sent, so bad input is one
error line; the listener is registered on the target's hub (a target without one is
polled only); replication ``r`` runs with replication ``r``'s random streams; the
listener is unregistered at the end, also after Ctrl-C or an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sim.drive.options import DriveOptions
from sim.drive.preflight import preflight
from sim.drive.session import Session
from sim.scenario.schema import Scenario
from sim.tmf622.listener import Listener, bind, listener_app
from sim.tmf622.target import Target

Progress = Callable[[int, int], None]  # (replications done, replications in all)
Align = Callable[[], Awaitable[None]]
UNREGISTER_S = 5.0  # wall seconds the hub gets to forget the listener


def drive(scenario: Scenario, options: DriveOptions, addresses: Sequence[str], *,
          seed: int | None = None, replications: int = 1,
          progress: Progress | None = None, align: Align | None = None
          ) -> list[dict[str, Any]]:
    """Run replications 0 .. ``replications``-1 of ``scenario``'s order traffic against
    ``options.target``, one after the other; their reports. New lines are ordered at
    ``addresses``. ``align()``, when given, is awaited just before each replication's
    clock starts, to start at a moment of the target's day (a batch run starts at
    midnight; so does the self-test against ``omsim serve``)."""
    options.check()
    host, port = options.listen_address()
    sock = bind(host, port)  # before anything is sent: a bad --listen costs nothing
    seed = scenario.seed if seed is None else seed
    try:
        return asyncio.run(_drive(scenario, options, addresses, seed, replications, sock,
                                  progress, align))
    finally:
        sock.close()


async def _drive(scenario: Scenario, options: DriveOptions, addresses: Sequence[str],
                 seed: int, replications: int, sock: Any, progress: Progress | None,
                 align: Align | None) -> list[dict[str, Any]]:
    target = Target(options.target, options.api_key, options.retry)
    current: list[Session] = []

    def on_event(body: Any, received: float) -> None:
        if current:
            current[-1].book.notified(body, received)

    def on_malformed() -> None:
        if current:
            current[-1].book.sightings.malformed += 1

    listener = Listener(sock, listener_app(on_event, on_malformed), options.callback)
    try:
        await preflight(target, options.api_key)
        await listener.start()
        hub_id = await _register(target, listener.callback)
        try:
            return await _replications(scenario, options, target, addresses, seed,
                                       replications, current, hub_id, progress, align)
        finally:
            if hub_id:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(target.unregister(hub_id), UNREGISTER_S)
    finally:
        await listener.stop()
        await target.close()


async def _replications(scenario: Scenario, options: DriveOptions, target: Target,
                        addresses: Sequence[str], seed: int, replications: int,
                        current: list[Session], hub_id: str, progress: Progress | None,
                        align: Align | None) -> list[dict[str, Any]]:
    tag = f"omsim-drive-{secrets.token_hex(4)}"  # this run's keys are its own
    reports = []
    for r in range(replications):
        session = Session(scenario, seed, r, options, target, addresses, tag)
        current.append(session)
        if align is not None:
            await align()
        report = await session.run()
        report["notifications"]["hub"] = hub_id or None
        reports.append(report)
        if progress is not None:
            progress(r + 1, replications)
    return reports


async def _register(target: Target, callback: str) -> str:
    """Register the listener on the target's hub; its id, or "" without a hub."""
    answer = await target.register(callback)
    if answer.ok and isinstance(answer.doc, dict) and answer.doc.get("id"):
        return str(answer.doc["id"])
    return ""
