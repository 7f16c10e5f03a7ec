"""Who may use the emulator's HTTP side: HTTP basic auth with ``--user``/``--password``
(RESTCONF, as the SSH login of NETCONF), or ``Authorization: Token <--token>`` (the
NetBox-compatible IPAM, as NetBox itself). Secrets are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from fastapi import Request


@dataclass(frozen=True)
class Credentials:
    """The logins the emulator accepts (``token`` None: token auth refuses everyone)."""

    user: str
    password: str
    token: str | None = None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def basic_ok(request: Request, credentials: Credentials) -> bool:
    """Whether ``request`` carries HTTP basic auth with the user and password."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return bool(sep) & _same(user, credentials.user) & _same(password, credentials.password)


def token_ok(request: Request, credentials: Credentials) -> bool:
    """Whether ``request`` carries ``Authorization: Token <token>`` (NetBox's scheme;
    ``Bearer`` as NetBox 4.5's v2 tokens, which pynetbox sends for them, too)."""
    if credentials.token is None:
        return False
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() in ("token", "bearer") and _same(value.strip(), credentials.token)


BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="omsim"'}
