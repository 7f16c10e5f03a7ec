"""NETCONF message framing over SSH (RFC 6242).

Two framings: *end-of-message* (``]]>]]>`` after each message: NETCONF 1.0, and every
hello) and *chunked* (``\\n#<size>\\n<data>`` chunks, then ``\\n##\\n``: NETCONF 1.1,
once both peers have said ``base:1.1``). :class:`FrameDecoder` takes bytes as they come
and hands out whole messages one at a time; :func:`encode` frames one. Everything is
bytes: chunk sizes count octets, so the SSH channel is opened with ``encoding=None``.
"""

from __future__ import annotations

import re

EOM = b"]]>]]>"
END_OF_CHUNKS = b"\n##\n"
MAX_CHUNK = 4294967295  # RFC 6242 section 4.2
MAX_MESSAGE = 16 * 1024 * 1024  # bytes of one message we accept (a big get is far less)
_HEADER = re.compile(rb"\n#([1-9][0-9]{0,9})\n")


class FramingError(Exception):
    """The peer broke the framing: RFC 6242 says the session must be closed."""


class FrameDecoder:
    """Feed bytes as they arrive; take whole messages out one at a time.

    One at a time, not a list, because the framing changes after the hello: the session
    reads the hello, sets :attr:`chunked`, and only then parses what follows it (a client
    may send its first rpc in the same packet as its hello).
    """

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self.chunked = False
        self.max_message = max_message
        self._buf = bytearray()
        self._chunks: list[bytes] = []
        self._size = 0

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next_message(self) -> bytes | None:
        """The next whole message, or None until more bytes arrive."""
        return self._next_chunked() if self.chunked else self._next_eom()

    def _next_eom(self) -> bytes | None:
        end = self._buf.find(EOM)
        if end < 0:
            if len(self._buf) > self.max_message:
                raise FramingError(f"no end-of-message marker in {len(self._buf)} bytes")
            return None
        message = bytes(self._buf[:end])
        del self._buf[:end + len(EOM)]
        return message

    def _next_chunked(self) -> bytes | None:
        while len(self._buf) >= 4:
            if self._buf.startswith(END_OF_CHUNKS):
                del self._buf[:4]
                return self._end_of_chunks()
            if not self._take_chunk():
                return None
        if self._buf and not (b"\n#".startswith(bytes(self._buf[:2]))):
            raise FramingError(f"expected a chunk header, got {bytes(self._buf)!r}")
        return None

    def _take_chunk(self) -> bool:
        """Move one whole chunk from the buffer to the message; False: not all here."""
        header = _HEADER.match(self._buf)
        if header is None:
            if self._buf[:2] != b"\n#" or b"\n" in self._buf[2:14] or len(self._buf) >= 14:
                raise FramingError(f"bad chunk header {bytes(self._buf[:14])!r}")
            return False
        size = int(header.group(1))
        if size > MAX_CHUNK or self._size + size > self.max_message:
            raise FramingError(f"chunk of {size} bytes: the message would exceed "
                               f"{self.max_message} bytes")
        start = header.end()
        if len(self._buf) < start + size:
            return False
        self._chunks.append(bytes(self._buf[start:start + size]))
        self._size += size
        del self._buf[:start + size]
        return True

    def _end_of_chunks(self) -> bytes:
        if not self._chunks:
            raise FramingError("end-of-chunks with no chunk before it")
        message = b"".join(self._chunks)
        self._chunks.clear()
        self._size = 0
        return message


def encode(message: bytes, chunked: bool, chunk_size: int = 65536) -> bytes:
    """One message framed; a chunked one is cut into chunks of ``chunk_size`` bytes."""
    if not chunked:
        return message + EOM
    parts = [b"\n#%d\n%s" % (len(message[i:i + chunk_size]), message[i:i + chunk_size])
             for i in range(0, len(message), chunk_size)]
    parts.append(END_OF_CHUNKS)
    return b"".join(parts)
