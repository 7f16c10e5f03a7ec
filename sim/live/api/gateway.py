"""What every route shares: the live service behind the API, the server's limits, a
database connection for reads, and the way to the clock thread.

A change goes to the clock thread as a request (:meth:`Gateway.ask`) and is answered once
it is on disk; :meth:`Gateway.answer` renders the reply, reading a stored document from
the database. Reads never go through the clock.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from sim.live.api.errors import ApiError, error_response
from sim.live.idempotency import HEADER as IDEMPOTENCY_KEY
from sim.live.idempotency import fingerprint, key_problem
from sim.live.orders import prepare
from sim.live.requests import Kind, LiveError, Stored
from sim.live.requests import Request as LiveRequest
from sim.live.store import Reader
from sim.live.views import href

if TYPE_CHECKING:
    from sim.live.service import LiveService

JSON = "application/json"


@dataclass(frozen=True)
class ApiSettings:
    """Limits and access control of one server."""

    api_key: str | None = None
    max_items: int = 5000  # product order items per order
    max_body_bytes: int = 8 * 1024 * 1024
    max_limit: int = 1000  # largest page a list returns
    allow_remote_callbacks: bool = False
    reply_timeout_s: float = 30.0


class Gateway:
    """The API's side of one live service."""

    def __init__(self, service: LiveService, settings: ApiSettings) -> None:
        self.service = service
        self.settings = settings

    @functools.cached_property
    def reader(self) -> Reader:
        """Opened on the first request: an app can be built only for its OpenAPI
        document, with no service behind it."""
        return Reader(self.service.store.path)

    async def ask(self, kind: Kind, target: str, body: dict[str, Any],
                  request: Request | None = None) -> tuple[int, Any]:
        """Hand a change to the clock thread and wait for its (status, reply); a POST's
        ``request`` may carry an Idempotency-Key."""
        key = ""
        if request is not None and IDEMPOTENCY_KEY in request.headers:
            key = request.headers[IDEMPOTENCY_KEY]
            problem = key_problem(key)
            if problem:
                raise ApiError(400, problem)
        body_print = await asyncio.to_thread(fingerprint, kind, body) if key else ""
        # What the clock thread would otherwise build itself, built here.
        prepared = await asyncio.to_thread(prepare, body) if kind == Kind.CREATE else None
        future = self.service.submit(LiveRequest(kind, target, body, key, body_print,
                                                 prepared))
        timeout_s = self.settings.reply_timeout_s
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout_s)
        except LiveError as exc:
            raise ApiError(503, f"the service cannot take writes: {exc}") from None
        except TimeoutError:
            raise ApiError(503, f"the simulation did not answer within "
                                f"{timeout_s:g} s") from None

    def answer(self, status: int, doc: Any, location: bool = False) -> Response:
        """The HTTP response for a reply of the clock thread."""
        if status >= 400:
            return error_response(status, "; ".join(doc))
        if status == 204:
            return Response(status_code=204)
        headers = {}
        if isinstance(doc, Stored):
            text = self.reader.get(doc.collection, doc.id)
            if text is None:  # an idempotent repeat of a POST whose result was deleted
                return error_response(409, f"{IDEMPOTENCY_KEY}: the {doc.collection} that "
                                           f"request created, {doc.id}, was deleted since")
            if doc.replayed:
                headers["Idempotent-Replayed"] = "true"
            if location:
                headers["Location"] = href(doc.collection, doc.id)
            return Response(text, status_code=status, media_type=JSON, headers=headers)
        if location:
            headers["Location"] = doc["href"]
        return JSONResponse(doc, status_code=status, headers=headers)
