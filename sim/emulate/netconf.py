"""NETCONF 1.0 and 1.1 over SSH (RFC 6241, RFC 6242) for the whole network, on asyncssh.

One SSH server, password login (``--user``/``--password``); the ``netconf`` subsystem on
each channel is one NETCONF session. The server says hello first (base 1.0 and 1.1,
``:writable-running``, ``:rollback-on-error``, ``:validate``, the YANG library and every
omsim module); the client's hello must carry a base capability and no session-id, or the
session ends. After it, both framings are end-of-message for 1.0 and chunked once both said 1.1; a
framing error ends the session (RFC 6242 says nothing else is safe).

A session answers its rpcs one after another, in order: an element's configuration
latency holds the rpcs behind it. An rpc whose answer the element lost (its change is
applied) is answered only the element's ``late_answer_s`` later - past any client's
timeout, unless the scenario makes it short - while the session answers its next rpcs
as usual; a session that ends first never gets it. The rpcs themselves are
:mod:`sim.emulate.netconf_rpc`.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import socket
from typing import TYPE_CHECKING, Any

import asyncssh
from lxml import etree

from sim.emulate.edit_xml import NC
from sim.emulate.framing import FrameDecoder, FramingError, encode
from sim.emulate.model import MODULE_SET_ID, module_capabilities
from sim.emulate.netconf_rpc import Late, answer
from sim.emulate.xmlsafe import MalformedXml, parse

if TYPE_CHECKING:
    from sim.emulate.emulator import Emulator

log = logging.getLogger("omsim.emulate.netconf")

BASE_10 = "urn:ietf:params:netconf:base:1.0"
BASE_11 = "urn:ietf:params:netconf:base:1.1"
CAPABILITIES = (
    BASE_10, BASE_11,
    "urn:ietf:params:netconf:capability:writable-running:1.0",
    "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
    "urn:ietf:params:netconf:capability:validate:1.1",
    "urn:ietf:params:netconf:capability:yang-library:1.0?revision=2016-06-21"
    f"&module-set-id={MODULE_SET_ID}",
    *module_capabilities(),
)
MAX_QUEUED_RPCS = 1000  # rpcs a session may have waiting; past this it is closed


class NetconfServer:
    """The network's NETCONF server: its sessions (by session-id) over one emulator."""

    def __init__(self, emulator: Emulator, user: str, password: str,
                 host_key: asyncssh.SSHKey) -> None:
        self.emulator = emulator
        self.user, self.password = user, password
        self.host_key = host_key
        self.sessions: dict[int, NetconfSession] = {}
        self._ids = itertools.count(1)
        self._acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self, sock: socket.socket) -> None:
        """Serve on the listening socket ``sock``."""
        self._acceptor = await asyncssh.listen(
            sock=sock, server_factory=lambda: _Login(self),
            server_host_keys=[self.host_key], encoding=None, keepalive_interval=0)

    async def stop(self) -> None:
        for session in list(self.sessions.values()):
            session.kill()
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()

    def new_session(self, conn: asyncssh.SSHServerConnection) -> NetconfSession:
        return NetconfSession(self, next(self._ids), conn)

    def forget(self, session: NetconfSession) -> None:
        if self.sessions.pop(session.id, None) is not None:
            self.emulator.activity.session_closed()
        if self.emulator.lock_owner == session.id:
            self.emulator.lock_owner = None  # RFC 6241 7.5: a lock ends with its session


class _Login(asyncssh.SSHServer):
    """SSH login with the configured user and password; the netconf subsystem only."""

    def __init__(self, server: NetconfServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        s = self.server
        return (hmac.compare_digest(username.encode(), s.user.encode())
                & hmac.compare_digest(password.encode(), s.password.encode()))

    def session_requested(self) -> NetconfSession:
        assert self.conn is not None
        return self.server.new_session(self.conn)


class NetconfSession(asyncssh.SSHServerSession):  # type: ignore[misc]
    """One NETCONF session on one SSH channel."""

    def __init__(self, server: NetconfServer, session_id: int,
                 conn: asyncssh.SSHServerConnection) -> None:
        self.server = server
        self.id = session_id
        self.conn = conn
        self.close_after_reply = False
        self._chan: asyncssh.SSHServerChannel | None = None
        self._decoder = FrameDecoder()
        self._hello_done = False
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._late: set[asyncio.Task[None]] = set()  # lost answers not yet due
        self._closed = False

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    def peer(self, session_id: int) -> NetconfSession | None:
        return self.server.sessions.get(session_id)

    # -- SSH ---------------------------------------------------------------------------------
    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self._chan = chan

    def shell_requested(self) -> bool:
        return False

    def exec_requested(self, command: str) -> bool:
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        return subsystem == "netconf"

    def session_started(self) -> None:
        self.server.sessions[self.id] = self
        self.emulator.activity.session_opened()
        self._send(_hello(self.id))
        self._worker = asyncio.get_running_loop().create_task(
            self._serve(), name=f"netconf-session-{self.id}")

    def data_received(self, data: bytes, datatype: Any) -> None:
        self._decoder.feed(data)
        try:
            while not self._closed and (message := self._decoder.next_message()) is not None:
                if self._hello_done:
                    self._queue.put_nowait(message)
                    if self._queue.qsize() > MAX_QUEUED_RPCS:
                        self.close()  # a client that never reads its replies
                else:
                    self._client_hello(message)
        except FramingError as exc:
            log.info("NETCONF session %s: framing error, closed: %s", self.id, exc)
            self.close()

    def eof_received(self) -> bool:
        self.close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._stop_worker()
        self.server.forget(self)

    # -- the session ---------------------------------------------------------------------------
    def _client_hello(self, message: bytes) -> None:
        try:
            hello = parse(message)
        except MalformedXml:
            self.close()
            return
        caps = {(c.text or "").strip() for c in hello.iter(f"{{{NC}}}capability")}
        if etree.QName(hello).text != f"{{{NC}}}hello" or \
                hello.find(f"{{{NC}}}session-id") is not None or not caps & {BASE_10,
                                                                            BASE_11}:
            self.close()  # RFC 6241 8.1: without a valid hello there is no session
            return
        self._hello_done = True
        self._decoder.chunked = BASE_11 in caps  # both said 1.1: chunks from here on

    async def _serve(self) -> None:
        while (message := await self._queue.get()) is not None:
            try:
                reply = await answer(self, message)
            except Exception:  # a bug in one rpc: end this session, keep the server
                log.exception("NETCONF session %s: rpc failed", self.id)
                self.close()
                return
            if isinstance(reply, Late):
                late = asyncio.get_running_loop().create_task(self._send_late(reply))
                self._late.add(late)
                late.add_done_callback(self._late.discard)
            else:
                self._send(reply)
            if self.close_after_reply:
                self.close()
                return

    async def _send_late(self, late: Late) -> None:
        await self.server.emulator.after(late.after_s)
        self._send(late.reply)

    def _send(self, message: bytes) -> None:
        if self._chan is not None and not self._closed:
            self._chan.write(encode(message, self._decoder.chunked))

    def close(self) -> None:
        """End the session: its channel closes, its lock is released."""
        if self._closed:
            return
        self._closed = True
        self._queue.put_nowait(None)
        if self._chan is not None:
            self._chan.close()
        self.server.forget(self)

    def kill(self) -> None:
        """kill-session: end at once, dropping the SSH connection under it."""
        self._closed = True
        self._stop_worker()
        self.server.forget(self)
        self.conn.abort()

    def _stop_worker(self) -> None:
        if self._worker is not None and self._worker is not asyncio.current_task():
            self._worker.cancel()
        for late in list(self._late):
            late.cancel()


def _hello(session_id: int) -> bytes:
    hello = etree.Element(f"{{{NC}}}hello", nsmap={None: NC})
    caps = etree.SubElement(hello, f"{{{NC}}}capabilities")
    for capability in CAPABILITIES:
        etree.SubElement(caps, f"{{{NC}}}capability").text = capability
    etree.SubElement(hello, f"{{{NC}}}session-id").text = str(session_id)
    return etree.tostring(hello, xml_declaration=True, encoding="UTF-8")
