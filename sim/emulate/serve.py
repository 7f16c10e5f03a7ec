"""``omsim emulate``: check the options, build the scenario's network, bind both ports,
say where each interface listens, then serve NETCONF and HTTP until SIGINT or SIGTERM.

Whatever is wrong with the command line is found before anything is served, and is one
error line with exit code 2 (:class:`EmulateError` names the parameter; the command line
says it with its option): a value out of range, a missing password or token, a database
that cannot be used (a directory, another emulator's, another scenario's), a host that
does not resolve, a port that cannot be bound. Both sockets are bound
here, so the ports printed are the ones served (``0`` picks free ones).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import uvicorn

from om import OmsimError
from sim.emulate.auth import Credentials
from sim.emulate.emulator import Emulator
from sim.emulate.http import RouterFactory, build_app
from sim.emulate.netconf import NetconfServer
from sim.emulate.store import Store

MAX_SPEED = 1_000_000.0  # simulated seconds per wall second, as omsim serve
MIN_SECRET = 8  # characters of a password or token at least
START_TIMEOUT_S = 30.0  # wall seconds an EmulatorThread may take to start serving


class EmulateError(OmsimError):
    """A value ``emulate`` cannot work with. ``parameter`` names it (``speed``,
    ``netconf_port``, ``password``, ``db``, ...) and the message goes on from there, so
    that the command line can say it with its option's name instead."""

    def __init__(self, parameter: str, rest: str) -> None:
        super().__init__(parameter, rest)  # every argument: the error pickles
        self.parameter, self.rest = parameter, rest

    def __str__(self) -> str:
        return f"{self.parameter}{self.rest}"


@dataclass(frozen=True)
class EmulateOptions:
    """The command line of ``omsim emulate``, as parsed."""

    scenario: Path
    password: str | None
    token: str | None
    speed: float = 1.0
    host: str = "127.0.0.1"
    netconf_port: int = 8830
    http_port: int = 8080
    db: Path | None = None
    user: str = "omsim"


def check_options(o: EmulateOptions) -> Credentials:
    """The logins, once every value is in range (EmulateError naming the first not)."""
    for name, port in (("netconf_port", o.netconf_port), ("http_port", o.http_port)):
        if not 0 <= port <= 65535:
            raise EmulateError(name, f": must be 0 to 65535, got {port}")
    if o.netconf_port == o.http_port != 0:
        raise EmulateError("http_port", f": {o.http_port} is the NETCONF port already")
    if not (math.isfinite(o.speed) and 0 < o.speed <= MAX_SPEED):
        raise EmulateError("speed", f": simulated seconds per wall second, above 0 and at "
                                    f"most {MAX_SPEED:,.0f}; got {o.speed}")
    if not o.user or ":" in o.user or not o.user.isprintable():
        raise EmulateError("user", f": a printable name without ':', got {o.user!r}")
    for name, secret in (("password", o.password), ("token", o.token)):
        if not secret:
            raise EmulateError(name, ": required: the emulator never serves without a "
                                     "login (SSH and RESTCONF: password; IPAM: token)")
        if len(secret) < MIN_SECRET or not secret.isprintable():
            raise EmulateError(name, f": at least {MIN_SECRET} printable characters")
    if o.db is not None and o.db.is_dir():
        raise EmulateError("db", f": {o.db} is a directory, not a database file")
    if o.db is not None and not o.db.parent.is_dir():
        raise EmulateError("db", f": directory {o.db.parent} does not exist")
    assert o.password is not None
    return Credentials(o.user, o.password, o.token)


def bind(host: str, port: int, parameter: str) -> socket.socket:
    """A listening socket on ``host``:``port`` (EmulateError naming what failed)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise EmulateError("host", f" '{host}': not an address of this machine "
                                   f"({getattr(exc, 'strerror', None) or exc})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        raise EmulateError(parameter, f" {port} on {host}: cannot listen "
                                      f"({exc.strerror or exc})") from None
    sock.setblocking(False)
    return sock


def emulate(o: EmulateOptions, routers: Sequence[RouterFactory] = ()) -> int:
    """Run ``omsim emulate`` until interrupted; 0 after SIGINT/SIGTERM. ``routers``: HTTP
    interfaces served next to those of :data:`sim.emulate.http.INTERFACES`."""
    from sim.emulate.build import build_lab, host_key_of, load_for_emulate

    credentials = check_options(o)
    scenario, seed = load_for_emulate(o.scenario)
    with _opened(o.db) as store:
        lab = build_lab(scenario, seed, store)
        emulator = Emulator(lab, o.speed, store)
        with _bound(o) as (ssh_sock, http_sock):
            key = host_key_of(store)
            _announce(o, scenario.name, seed, emulator, ssh_sock, http_sock, key)
            asyncio.run(_until_signalled(emulator, credentials, key, ssh_sock, http_sock,
                                         routers))
    return 0


@contextlib.contextmanager
def _opened(db: Path | None) -> Iterator[Store | None]:
    store = Store(db) if db is not None else None
    try:
        yield store
    finally:
        if store is not None:
            store.close()


@contextlib.contextmanager
def _bound(o: EmulateOptions) -> Iterator[tuple[socket.socket, socket.socket]]:
    ssh_sock = bind(o.host, o.netconf_port, "netconf_port")
    try:
        http_sock = bind(o.host, o.http_port, "http_port")
    except EmulateError:
        ssh_sock.close()
        raise
    try:
        yield ssh_sock, http_sock
    finally:
        ssh_sock.close()
        http_sock.close()


def _announce(o: EmulateOptions, name: str, seed: int, emulator: Emulator,
              ssh_sock: socket.socket, http_sock: socket.socket, key: asyncssh.SSHKey
              ) -> None:
    where = f"[{o.host}]" if ":" in o.host else o.host
    ssh_port, http_port = ssh_sock.getsockname()[1], http_sock.getsockname()[1]
    print(f"omsim emulate: scenario '{name}' (seed {seed}) at {o.speed:g}x, "
          f"{len(emulator.managed)} elements" + (f", db {o.db}" if o.db else ""), flush=True)
    print(f"  NETCONF   ssh://{o.user}@{where}:{ssh_port} (subsystem netconf; host key "
          f"{key.get_fingerprint()})", flush=True)
    print(f"  RESTCONF  http://{where}:{http_port}/restconf/data/omsim-network:network",
          flush=True)
    print(f"  IPAM      http://{where}:{http_port}/api/ipam/prefixes/ (NetBox; token)",
          flush=True)
    print(f"  TMF646    http://{where}:{http_port}/tmf-api/appointment/v4/appointment",
          flush=True)
    print(f"  TMF639    http://{where}:{http_port}/tmf-api/resourceInventoryManagement/v4/"
          "resource (and geographicAddressManagement/v4/geographicAddress)", flush=True)
    print(f"  Dashboard http://{where}:{http_port}/omsim/ui (user and password)", flush=True)


class _HttpServer(uvicorn.Server):
    """uvicorn, leaving SIGINT and SIGTERM to the emulator."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_until(emulator: Emulator, credentials: Credentials, key: asyncssh.SSHKey,
                      ssh_sock: socket.socket, http_sock: socket.socket,
                      stop: asyncio.Event, started: Callable[[], None] = lambda: None,
                      routers: Sequence[RouterFactory] = ()) -> None:
    """Serve NETCONF on ``ssh_sock`` and HTTP on ``http_sock`` (with the extra
    ``routers``) until ``stop`` is set (or the HTTP server ends), then stop everything in
    order."""
    emulator.start()
    netconf = NetconfServer(emulator, credentials.user, credentials.password, key)
    await netconf.start(ssh_sock)
    # A lost answer holds its request open: shut down without waiting for it.
    http = _HttpServer(uvicorn.Config(build_app(emulator, credentials, routers),
                                      log_level="warning", access_log=False, lifespan="off",
                                      timeout_graceful_shutdown=1))
    served = asyncio.create_task(http.serve(sockets=[http_sock]))
    while not http.started and not served.done():
        await asyncio.sleep(0.01)
    started()
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({served, stopped}, return_when=asyncio.FIRST_COMPLETED)
    # Requests still waiting for an answer get a 503 now; uvicorn's graceful shutdown
    # lets them be sent.
    emulator.closing.set()
    http.should_exit = True
    await asyncio.gather(served, return_exceptions=True)
    stopped.cancel()
    await netconf.stop()
    await emulator.stop()


async def _until_signalled(emulator: Emulator, credentials: Credentials,
                           key: asyncssh.SSHKey, ssh_sock: socket.socket,
                           http_sock: socket.socket, routers: Sequence[RouterFactory]
                           ) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve_until(emulator, credentials, key, ssh_sock, http_sock, stop,
                      routers=routers)


class EmulatorThread:
    """An emulator serving on loopback from a thread of its own, for tests and for a
    client's own test suite: ``with EmulatorThread(emulator, credentials) as lab:`` then
    ``lab.netconf_port`` and ``lab.http_port``; ``routers``: extra HTTP interfaces."""

    def __init__(self, emulator: Emulator, credentials: Credentials,
                 host: str = "127.0.0.1", key: asyncssh.SSHKey | None = None,
                 routers: Sequence[RouterFactory] = ()) -> None:
        self.emulator = emulator
        self.credentials = credentials
        self.routers = tuple(routers)
        self.key = key or asyncssh.generate_private_key("ssh-ed25519")
        self._ssh = bind(host, 0, "netconf_port")
        self._http = bind(host, 0, "http_port")
        self.netconf_port = self._ssh.getsockname()[1]
        self.http_port = self._http.getsockname()[1]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="omsim-emulate", daemon=True)

    def __enter__(self) -> EmulatorThread:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._ready.wait(0.05):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.__exit__()
                raise EmulateError("emulator", ": did not start (see the log above)")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self._ssh.close()
        self._http.close()

    def _run(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            await serve_until(self.emulator, self.credentials, self.key, self._ssh,
                              self._http, self._stop, self._ready.set, self.routers)
        asyncio.run(main())
