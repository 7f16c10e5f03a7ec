"""A bare NETCONF client on asyncssh: the hello, RFC 6242 framing, one message out, one
in. No XML handling beyond that - it sends what it is given, byte for byte, so it can
also send what no real client would (for the protocol tests), and it costs almost
nothing per message (for the benchmarks, where ncclient's threads would be measured
instead of the server).
"""

from __future__ import annotations

import asyncssh

from sim.emulate.framing import FrameDecoder, encode

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
HELLO_11 = (f'<hello xmlns="{NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.1'
            '</capability></capabilities></hello>').encode()


class RawNetconf:
    """One NETCONF session: ``await RawNetconf.open(...)``, then :meth:`send` and
    :meth:`receive` (or :meth:`call`), then :meth:`close`."""

    def __init__(self, conn: asyncssh.SSHClientConnection, writer: asyncssh.SSHWriter,
                 reader: asyncssh.SSHReader, server_hello: bytes, chunked: bool) -> None:
        self.conn, self.writer, self.reader = conn, writer, reader
        self.server_hello = server_hello
        self.chunked = chunked
        self._decoder = FrameDecoder()
        self._decoder.chunked = chunked

    @classmethod
    async def open(cls, port: int, user: str, password: str, host: str = "127.0.0.1",
                   hello: bytes | None = HELLO_11) -> RawNetconf:
        """Log in and exchange hellos (``hello`` None: send none; base 1.1 by default)."""
        conn = await asyncssh.connect(host, port, username=user, password=password,
                                      known_hosts=None, client_keys=None)
        writer, reader, _ = await conn.open_session(subsystem="netconf", encoding=None)
        decoder = FrameDecoder()
        while (server_hello := decoder.next_message()) is None:
            data = await reader.read(65536)
            if not data:
                raise ConnectionError("the server closed the session before its hello")
            decoder.feed(data)
        chunked = hello is not None and b"base:1.1" in hello
        if hello is not None:
            writer.write(encode(hello, chunked=False))
        return cls(conn, writer, reader, server_hello, chunked)

    def send(self, message: bytes) -> None:
        """Send one message, framed as the session's framing wants."""
        self.writer.write(encode(message, self.chunked))

    def send_raw(self, data: bytes) -> None:
        """Send bytes as they are (framing included, or broken)."""
        self.writer.write(data)

    async def receive(self) -> bytes | None:
        """The next message from the server; None when it closed the session."""
        while (message := self._decoder.next_message()) is None:
            data = await self.reader.read(65536)
            if not data:
                return None
            self._decoder.feed(data)
        return message

    async def call(self, message: bytes) -> bytes | None:
        self.send(message)
        return await self.receive()

    def close(self) -> None:
        self.conn.close()
