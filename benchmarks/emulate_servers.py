"""The servers ``bench_emulate`` drives, each in a process of its own so the client's
work is not counted in theirs:

- ``emulator``: ``omsim emulate`` of ``emulate_lab.yaml`` (answers at once, latency 0);
- ``echo``: a bare asyncssh NETCONF subsystem that answers every message with ``<ok/>``
  (the floor: SSH, framing and nothing else);
- ``fastapi``: a bare FastAPI PUT endpoint that parses the JSON body and answers 204.

    python benchmarks/emulate_servers.py emulator|echo|fastapi

prints ``{"netconf": port, "http": port}`` and serves until its stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import asyncssh
import uvicorn
from fastapi import FastAPI, Request, Response

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sim.emulate.framing import FrameDecoder, encode  # noqa: E402
from sim.emulate.rawclient import NC  # noqa: E402
from sim.emulate.serve import bind  # noqa: E402

USER, PASSWORD, TOKEN = "bench", "bench-password", "bench-token-0123"
HELLO = (f'<hello xmlns="{NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.1'
         '</capability></capabilities><session-id>1</session-id></hello>]]>]]>').encode()
OK = f'<rpc-reply message-id="1" xmlns="{NC}"><ok/></rpc-reply>'.encode()


class _Echo(asyncssh.SSHServerSession):  # type: ignore[misc]
    def connection_made(self, chan: Any) -> None:
        self.chan, self.decoder, self.hello = chan, FrameDecoder(), False

    def subsystem_requested(self, subsystem: str) -> bool:
        return True

    def session_started(self) -> None:
        self.chan.write(HELLO)

    def data_received(self, data: bytes, datatype: Any) -> None:
        self.decoder.feed(data)
        while self.decoder.next_message() is not None:
            if not self.hello:
                self.hello = self.decoder.chunked = True
            else:
                self.chan.write(encode(OK, chunked=True))


class _EchoLogin(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return password == PASSWORD

    def session_requested(self) -> _Echo:
        return _Echo()


async def _echo() -> None:
    sock = bind("127.0.0.1", 0, "netconf_port")
    await asyncssh.listen(sock=sock, server_factory=_EchoLogin, encoding=None,
                          server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")])
    print(json.dumps({"netconf": sock.getsockname()[1]}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def _fastapi() -> None:
    app = FastAPI()

    @app.put("/restconf/data/{rest:path}")
    async def put(request: Request) -> Response:
        json.loads(await request.body())
        return Response(status_code=204)
    sock = bind("127.0.0.1", 0, "http_port")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    print(json.dumps({"http": sock.getsockname()[1]}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.should_exit = True
    await task


def _emulator() -> None:
    from sim.emulate import Credentials, Emulator, EmulatorThread, build_lab
    from sim.scenario.load import load_scenario

    scenario = load_scenario(HERE / "emulate_lab.yaml")
    emulator = Emulator(build_lab(scenario, scenario.seed), speed=1.0)
    with EmulatorThread(emulator, Credentials(USER, PASSWORD, TOKEN)) as lab:
        print(json.dumps({"netconf": lab.netconf_port, "http": lab.http_port}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "emulator":
        _emulator()
    else:
        asyncio.run(_echo() if kind == "echo" else _fastapi())
