"""A request's body, checked at the door: JSON (``application/json`` or a ``+json`` type)
in UTF-8, an object, within the server's size and the limits of
:mod:`sim.live.limits` (checked after the schema, so that a body both invalid and too
big is a 400)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import Request

from sim.live.api.errors import ApiError
from sim.live.api.gateway import JSON, ApiSettings
from sim.live.limits import body_problem


async def json_body(request: Request, settings: ApiSettings) -> tuple[dict[str, Any], int]:
    """The request's JSON object and its size in bytes (ApiError if it is none)."""
    media_problem = media_type_problem(request.headers.get("content-type", ""))
    if media_problem:
        raise ApiError(415, media_problem)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise ApiError(413, f"body: {declared} bytes, more than the limit of "
                            f"{settings.max_body_bytes}")
    raw = await request.body()
    if len(raw) > settings.max_body_bytes:
        raise ApiError(413, f"body: {len(raw)} bytes, more than the limit of "
                            f"{settings.max_body_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(415, "body: not UTF-8 (JSON is exchanged in UTF-8, RFC 8259)") from None
    try:
        body = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"body: not valid JSON ({exc})") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: must be a JSON object")
    return body, len(raw)


async def within_limits(body: dict[str, Any], size: int) -> None:
    """ApiError for the first of :mod:`sim.live.limits` ``body`` breaks."""
    problem = await asyncio.to_thread(body_problem, body, size)
    if problem:
        raise ApiError(*problem)


def media_type_problem(content_type: str) -> str | None:
    """Why a body of ``content_type`` is not accepted, or None: JSON (application/json
    or a +json type such as application/merge-patch+json) in UTF-8."""
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    if media != JSON and not (media.startswith("application/") and media.endswith("+json")):
        return (f"content-type: '{content_type or 'none'}' is not JSON; send "
                f"application/json")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            return f"content-type: charset '{value}' is not UTF-8; JSON is UTF-8"
    return None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number (RFC 8259)")
