"""Bad input on the wire never crashes ``omsim emulate`` nor kills a listener: malformed
XML and framing, DTDs, hellos that are not, garbage bodies and paths. Each gets the
protocol's own answer (an rpc-error, a closed session, an errors body), and the next
client is served as usual."""

from __future__ import annotations

import asyncio
import random

import pytest

from sim.emulate.framing import encode
from sim.emulate.rawclient import NC, RawNetconf
from tests.emulatetools import NET, PASSWORD, USER, netconf, port_filter, restconf, serving

GET = f'<rpc message-id="1" xmlns="{NC}"><get/></rpc>'.encode()
HELLO_10 = (f'<hello xmlns="{NC}"><capabilities><capability>urn:ietf:params:netconf:base:1.0'
            '</capability></capabilities></hello>').encode()


@pytest.fixture(scope="module")
def lab():
    with serving() as running:
        yield running


def session(lab, hello: bytes | None = None) -> RawNetconf:
    kwargs = {} if hello is None else {"hello": hello}
    return asyncio.run(RawNetconf.open(lab.netconf_port, USER, PASSWORD, **kwargs))


async def exchange(lab, data: bytes, framed: bool = True) -> bytes | None:
    """Send ``data`` on a new session; the reply, or None when the server closed it."""
    s = await RawNetconf.open(lab.netconf_port, USER, PASSWORD)
    try:
        if framed:
            s.send(data)
        else:
            s.send_raw(data)
        return await asyncio.wait_for(s.receive(), 10)
    finally:
        s.close()


def garbage(rng: random.Random) -> bytes:
    """One malformed message: truncated or mangled rpcs, random bytes, stray entities."""
    pieces = [GET[:rng.randrange(1, len(GET))], bytes(rng.randrange(256) for _ in range(40)),
              GET.replace(b"get", b"g\x00et"), b"<rpc message-id='1'>" * 50,
              b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;'>]>"
              b"<rpc message-id='1'>&b;</rpc>", GET.replace(b"<get/>", b"<get><filter "
              b"type='xpath' select='/'/></get>"), "<rpc message-id='é'>".encode("latin-1")]
    return rng.choice(pieces)


def test_a_batch_of_malformed_messages_gets_rpc_errors_and_the_server_lives_on(lab):
    """60 malformed messages (seeded): each answered by an rpc-error or, for broken
    framing, a closed session; then ncclient works as before."""
    rng = random.Random(12)

    async def batch() -> list[bytes | None]:
        out = []
        for n in range(60):
            if n % 4 == 3:  # broken chunk framing: RFC 6242 closes the session
                header = rng.choice([b"\n#0\n", b"\n#x\n", b"\n#99999999999\n", b"#5\nhello"])
                out.append(await exchange(lab, header, framed=False))
            else:
                out.append(await exchange(lab, garbage(rng)))
        return out
    replies = asyncio.run(batch())
    for reply in replies:
        assert reply is None or (b"<rpc-error>" in reply and b"<error-tag>" in reply)
    assert sum(r is None for r in replies) >= 15
    m = netconf(lab)
    try:
        assert "<data" in m.get(filter=port_filter()).data_xml
    finally:
        m.close_session()


def test_a_dtd_is_refused_and_a_hello_that_is_not_one_ends_the_session(lab):
    """No entity is ever expanded; without a valid hello there is no session."""
    reply = asyncio.run(exchange(lab, b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM "
                                      b"'file:///etc/passwd'>]><rpc message-id='7'>&e;</rpc>"))
    assert reply is not None and b"malformed-message" in reply and b"root:" not in reply

    async def bad_hello() -> bytes | None:
        s = await RawNetconf.open(lab.netconf_port, USER, PASSWORD,
                                  hello=f'<hello xmlns="{NC}"><capabilities/></hello>'.encode())
        try:
            s.chunked = False
            return await asyncio.wait_for(s.call(GET), 10)
        finally:
            s.close()
    assert asyncio.run(bad_hello()) is None


def test_a_netconf_1_0_client_keeps_end_of_message_framing(lab):
    """Base 1.0 only: ]]>]]> framing throughout; chunked only when both say 1.1."""
    async def both() -> tuple[bytes | None, bytes | None]:
        old = await RawNetconf.open(lab.netconf_port, USER, PASSWORD, hello=HELLO_10)
        new = await RawNetconf.open(lab.netconf_port, USER, PASSWORD)
        try:
            old.send_raw(encode(GET, chunked=False))
            new.send_raw(encode(GET, chunked=True))
            return (await asyncio.wait_for(old.receive(), 10),
                    await asyncio.wait_for(new.receive(), 10))
        finally:
            old.close()
            new.close()
    old, new = asyncio.run(both())
    assert old is not None and new is not None
    assert b"<data" in old and b"<data" in new


def test_garbage_over_http_gets_client_errors_never_a_crash(lab):
    """Random bodies and paths: 4xx with an errors body; the listener stays up."""
    rng = random.Random(3)
    paths = [NET, f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,1",
             f"{NET}/element=%ZZ", f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1",
             f"{NET}/element=EX01-OLT01/omsim-olt:olt/pon-port=1,2,3", "/restconf/data/x:y",
             f"{NET}/element=BNG01/omsim-bng:bng/subscriber-session=a,b", f"{NET}=1"]
    bodies = [b"", b"{", b"[]", b"null", b'{"a": 1}', b'{"omsim-olt:ont": [1]}',
              b'{"omsim-olt:ont": [{"ont-id": "x"}]}', bytes(range(256)),
              b'{"omsim-olt:ont": {"ont-id": 1, "serial": 5, "profile": []}}']
    with restconf(lab) as rc:
        for _ in range(60):
            method = rng.choice(["PUT", "POST", "PATCH", "DELETE"])
            response = rc.request(method, rng.choice(paths), content=rng.choice(bodies),
                                  headers={"content-type": "application/yang-data+json"})
            assert 400 <= response.status_code < 500, (method, response.text)
            assert "ietf-restconf:errors" in response.json()
        assert rc.get(NET).status_code == 200
