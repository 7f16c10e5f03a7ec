"""``omsim emulate`` on the wire, next to the bare protocol stacks it is built on, in the
same session (issue 12): the ratios are the figures.

- NETCONF: edit-configs per wall second over 20 concurrent sessions (latency 0), driven
  by one asyncssh client (ncclient's threads would measure ncclient), against the
  emulator and against a bare asyncssh echo subsystem answering ``<ok/>``;
- RESTCONF: PUTs per wall second over 20 keep-alive connections from a bare asyncio
  client, against the emulator and against a bare FastAPI endpoint that parses the body
  and answers 204.

Each server runs in a process of its own (``emulate_servers.py``), so the client's work
is not the server's; on a 2-core machine client and server each have one.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from emulate_servers import PASSWORD, USER
from workloads import each_round

from sim.emulate.rawclient import NC, RawNetconf

HERE = Path(__file__).resolve().parent
SESSIONS = 20
EDITS_PER_SESSION = 100
PUTS = 2000
NET = "/restconf/data/omsim-network:network"


@contextmanager
def server(kind: str) -> Iterator[dict[str, int]]:
    """One of ``emulate_servers.py``'s servers, in its own process, and its ports."""
    proc = subprocess.Popen([sys.executable, str(HERE / "emulate_servers.py"), kind],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def edit_config(session: int, n: int) -> bytes:
    """An ONT merged on the session's own PON port (ids cycle: the datastore stays
    small, every edit is a real change of a profile)."""
    card, port = session % 4 + 1, session // 4 + 1
    olt = f"EX01-OLT0{session % 2 + 1}"
    ont = n % 32 + 1
    return (f'<rpc message-id="{n}" xmlns="{NC}"><edit-config><target><running/></target>'
            f'<config><network xmlns="urn:omsim:yang:omsim-network"><element><name>{olt}'
            f'</name><olt xmlns="urn:omsim:yang:omsim-olt"><pon-port><line-card>{card}'
            f'</line-card><port>{port}</port><ont><ont-id>{ont}</ont-id><serial>ZTEG'
            f'{session:04X}{ont:04X}</serial><profile>P{n}</profile></ont></pon-port></olt>'
            f'</element></network></config></edit-config></rpc>').encode()


async def _netconf(port: int) -> tuple[int, float]:
    sessions = [await RawNetconf.open(port, USER, PASSWORD) for _ in range(SESSIONS)]

    async def one(i: int, s: RawNetconf) -> None:
        for n in range(EDITS_PER_SESSION):
            reply = await s.call(edit_config(i, n))
            assert reply is not None and b"<ok/>" in reply, reply
    started = time.perf_counter()
    await asyncio.gather(*(one(i, s) for i, s in enumerate(sessions)))
    wall = time.perf_counter() - started
    for s in sessions:
        s.close()
    return SESSIONS * EDITS_PER_SESSION, wall


def put_request(client: int, n: int) -> bytes:
    """One keep-alive HTTP/1.1 PUT of an ONT, as bytes (json and auth precomputed)."""
    card, port = client % 4 + 1, client // 4 + 1
    ont = n % 32 + 1
    body = json.dumps({"omsim-olt:ont": [{"ont-id": ont, "serial": f"ZTEG{client:04X}"
                                          f"{ont:04X}", "profile": f"P{n}"}]}).encode()
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return (f"PUT {NET}/element=EX01-OLT0{client % 2 + 1}/omsim-olt:olt/pon-port={card},"
            f"{port}/ont={ont} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}"
            "\r\nContent-Type: application/yang-data+json\r\nContent-Length: "
            f"{len(body)}\r\n\r\n").encode() + body


async def _response_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def _restconf(port: int) -> tuple[int, float]:
    """PUTs over SESSIONS keep-alive connections from a bare asyncio client (httpx would
    be the bottleneck: it is slower than a bare FastAPI endpoint)."""
    per = PUTS // SESSIONS
    requests = [[put_request(i, n) for n in range(per)] for i in range(SESSIONS)]
    streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(SESSIONS)]

    async def one(i: int) -> None:
        reader, writer = streams[i]
        for request in requests[i]:
            writer.write(request)
            status = await _response_status(reader)
            assert status in (201, 204), status
    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(SESSIONS)))
    wall = time.perf_counter() - started
    for _, writer in streams:
        writer.close()
    return per * SESSIONS, wall


def bench_netconf_bare_asyncssh_echo(benchmark, figures):
    """The floor: SSH, RFC 6242 framing and an <ok/> per message, nothing else."""
    with server("echo") as ports:
        rounds = each_round(benchmark, lambda: asyncio.run(_netconf(ports["netconf"])))
    figures["emulate.echo.edits"] = [done for done, _ in rounds]
    figures["emulate.echo.seconds"] = [wall for _, wall in rounds]


def bench_netconf_edit_config(benchmark, figures):
    """edit-config through the whole emulator: XML, YANG, datastore, elements, reply."""
    with server("emulator") as ports:
        rounds = each_round(benchmark, lambda: asyncio.run(_netconf(ports["netconf"])))
    figures["emulate.netconf.edits"] = [done for done, _ in rounds]
    figures["emulate.netconf.seconds"] = [wall for _, wall in rounds]


def bench_restconf_bare_fastapi(benchmark, figures):
    """The floor: uvicorn and FastAPI parsing a JSON body and answering 204."""
    with server("fastapi") as ports:
        rounds = each_round(benchmark, lambda: asyncio.run(_restconf(ports["http"])))
    figures["emulate.fastapi.puts"] = [done for done, _ in rounds]
    figures["emulate.fastapi.seconds"] = [wall for _, wall in rounds]


def bench_restconf_put(benchmark, figures):
    """RESTCONF PUT of an ONT through the whole emulator."""
    with server("emulator") as ports:
        rounds = each_round(benchmark, lambda: asyncio.run(_restconf(ports["http"])))
    figures["emulate.restconf.puts"] = [done for done, _ in rounds]
    figures["emulate.restconf.seconds"] = [wall for _, wall in rounds]
