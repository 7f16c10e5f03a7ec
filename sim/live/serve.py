"""``omsim serve``: check its inputs, take the database, bind the port, replay the log
(with a progress bar of simulated days on a terminal's stderr), then answer HTTP until
interrupted or until the service can no longer take writes.

Whatever is wrong with the input is found before the server says it is serving, and is
one error (:class:`ServeError` names the parameter): a value out of range, a database
whose directory does not exist or that another server holds, a host that does not
resolve, a port that cannot be bound. The socket is bound here and handed to uvicorn, so
the port reported is the one served (port 0 picks a free one).

Exit codes: 0 after Ctrl-C or SIGTERM; 1 when a thread the service needs died (the
reason is printed; every acknowledged write is in the database, and a restart replays
it); 2 for bad input.
"""

from __future__ import annotations

import contextlib
import math
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from om import OmsimError
from sim.live.service import MAX_SPEED, LiveService
from sim.report.progress import simulated_days

if TYPE_CHECKING:
    from sim.southbound import Link

MAX_ITEMS = 10_000  # items of one order; past this one order stalls everyone's writes


class ServeError(OmsimError):
    """A value ``serve`` cannot work with. ``parameter`` names it (``port``, ``host``,
    ``speed``, ``max_items``, ``db``) and the message goes on from there, so that the
    command line can say it with its option's name instead."""

    def __init__(self, parameter: str, rest: str) -> None:
        super().__init__(parameter, rest)  # every argument: the error pickles
        self.parameter, self.rest = parameter, rest

    def __str__(self) -> str:
        return f"{self.parameter}{self.rest}"


def check_options(port: int, speed: float, max_items: int, db: Path | None) -> None:
    """Raise :class:`ServeError` naming the first value out of range."""
    if not 0 <= port <= 65535:
        raise ServeError("port", f": must be 0 to 65535, got {port}")
    if not (math.isfinite(speed) and 0 < speed <= MAX_SPEED):
        raise ServeError("speed", f": simulated seconds per wall second, above 0 and at "
                                  f"most {MAX_SPEED:,.0f}; got {speed}")
    if not 1 <= max_items <= MAX_ITEMS:
        raise ServeError("max_items", f": must be 1 to {MAX_ITEMS:,}, got {max_items}")
    if db is not None and not db.parent.is_dir():
        raise ServeError("db", f": directory {db.parent} does not exist")
    if db is not None and db.is_dir():
        raise ServeError("db", f": {db} is a directory, not a database file")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (ServeError naming what failed)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ServeError("host", f" '{host}': not an address of this machine "
                                 f"({getattr(exc, 'strerror', None) or exc})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ServeError("port", f" {port} on {host}: cannot listen "
                                 f"({exc.strerror or exc})") from None
    return sock


def serve(scenario_path: Path, host: str = "127.0.0.1", port: int = 8622,
          speed: float = 3600.0, db: Path | None = None, api_key: str | None = None,
          background_arrivals: bool = False, max_items: int = 5000,
          allow_remote_callbacks: bool = False, southbound: Link | None = None,
          partners: dict[str, str] | None = None, partner_api_key: str | None = None
          ) -> int:
    """Run the live service until interrupted; the exit code (see the module docstring).

    ``southbound``: provision a separately started ``omsim emulate`` over the wire instead
    of the simulated elements (checked before serving; without ``db`` the service keeps
    its database in a temporary directory, since a command log cannot be replayed over
    the wire). ``partners``: the TMF622 base URL of a real partner by the catalog's
    partner name, replacing the emulated one (checked before serving, the database as
    with ``southbound``), logging in with ``partner_api_key`` when given."""
    from sim.scenario.load import load_scenario

    check_options(port, speed, max_items, db)
    scenario = load_scenario(scenario_path)
    cleanup = contextlib.ExitStack()
    try:
        factory = None
        if southbound is not None:
            factory = _southbound(scenario, southbound, cleanup)
        remotes = _partners(scenario, partners or {}, partner_api_key, speed, cleanup)
        wired = southbound is not None or bool(remotes)
        if wired and db is None:
            db = Path(cleanup.enter_context(tempfile.TemporaryDirectory(
                prefix="omsim-serve-"))) / f"{Path(scenario.name).name}.sqlite"
        if db is None:
            db = Path("omsim-data") / f"{Path(scenario.name).name}.sqlite"
            db.parent.mkdir(exist_ok=True)
        service = LiveService(scenario, db, speed, background_arrivals, southbound=factory,
                              partners=remotes)
        if wired and service.replaying:
            service.stop()
            option = "--southbound" if southbound is not None else "--partner"
            raise ServeError("db", f": {db} holds a command log, which cannot be replayed "
                                   f"over the wire ({option}): start with a fresh "
                                   "database")
        return _serve(service, scenario.name, host, port, speed, db, api_key, max_items,
                      allow_remote_callbacks)
    finally:
        cleanup.close()


def _southbound(scenario: Any, link: Link, cleanup: contextlib.ExitStack) -> Any:
    """The factory of the wire port, once the emulator answered, took the logins and
    showed the same network (ServeError naming the setting otherwise)."""
    from network_model import generate_network
    from sim.southbound import LinkError, WireSouthbound, check_link
    from sim.southbound.wire import Wire

    wire = Wire(link)
    cleanup.callback(wire.close)
    try:
        summary = check_link(wire, generate_network(scenario.network, scenario.seed,
                                                    scenario.workforce))
    except LinkError as exc:
        raise ServeError(exc.parameter, exc.rest) from None
    print(f"omsim serve: southbound {summary}", flush=True)
    return lambda env, network, scen: WireSouthbound(env, network, scen, link, wire)


def _partners(scenario: Any, urls: dict[str, str], api_key: str | None, speed: float,
              cleanup: contextlib.ExitStack) -> dict[str, Any]:
    """The real partners, each checked (a partner of the catalog, a TMF622 endpoint
    that answers and takes the key) and registered with its hub (ServeError naming the
    option otherwise)."""
    if not urls:
        return {}
    from sim.partners import PartnerError, RemotePartner, check_partner
    from sim.tmf622.check import key_problem

    problem = key_problem(api_key)
    if problem:
        raise ServeError("partner_api_key", f": {problem}")
    known = scenario.load_catalog().partners()
    remotes = {}
    for name, url in urls.items():
        problem = check_partner(name, url, known)
        if problem:
            raise ServeError("partner", f" {name}={url}: {problem}")
        remote = RemotePartner(name, url, api_key, buyer=f"omsim {scenario.name}",
                               speed=speed)
        cleanup.callback(remote.close)
        try:
            summary = remote.open()
        except PartnerError as exc:
            raise ServeError(exc.parameter, exc.rest) from None
        print(f"omsim serve: {summary}", flush=True)
        remotes[name] = remote
    return remotes


def _uvicorn_server() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn, whose SIGINT and SIGTERM stop it and are then forgotten: uvicorn
        raises them again once it has stopped, which killed the process before the
        service could stop (exit 143 instead of 0)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            before = {sig: signal.signal(sig, self.handle_exit)
                      for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in before.items():
                    signal.signal(sig, handler)
    return Server


def _serve(service: LiveService, name: str, host: str, port: int, speed: float, db: Path,
           api_key: str | None, max_items: int, allow_remote_callbacks: bool) -> int:
    import uvicorn

    from sim.live.api.app import ApiSettings, create_app
    from sim.run.collector import collector_for_simulation

    _Server = _uvicorn_server()  # noqa: N806 - a class

    try:
        sock = bind(host, port)
    except ServeError:
        service.stop()
        raise
    try:
        with simulated_days(f"replaying {db.name}", quiet=not service.replaying) as progress:
            service.start(progress=progress)
        settings = ApiSettings(api_key=api_key, max_items=max_items,
                               allow_remote_callbacks=allow_remote_callbacks)
        app = create_app(service, settings)
        bound = sock.getsockname()[1]
        where = f"[{host}]" if ":" in host else host
        print(f"omsim serve: scenario '{name}' at {speed:g}x on "
              f"http://{where}:{bound} (db {db}, {service.replayed_commands} logged "
              f"commands replayed in {service.replay_s:.1f} s)", flush=True)
        # The dashboard's event streams never end by themselves: on shutdown they are
        # closed after a short grace instead of being waited for.
        server = _Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                        timeout_graceful_shutdown=2))

        def stop_when_unhealthy() -> None:
            service.health.failed.wait()
            server.should_exit = True

        threading.Thread(target=stop_when_unhealthy, name="omsim-watch", daemon=True).start()
        with collector_for_simulation():  # the same GC tuning as a batch run
            server.run(sockets=[sock])
    finally:
        sock.close()
        service.stop()
    if service.health.problem is not None:
        print(f"error: the service stopped taking writes: {service.health.problem}",
              file=sys.stderr, flush=True)
        return 1
    return 0
