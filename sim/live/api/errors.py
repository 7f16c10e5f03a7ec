"""Every answer but success is a TMF ``Error`` body: ``code``, ``reason`` (the HTTP
phrase), ``message`` naming the field or the cause, ``status``.

Routes raise :class:`ApiError`; FastAPI's own request errors (a query parameter out of
range) and Starlette's (404 for an unknown path, 405) are answered the same way, as 400
rather than FastAPI's 422.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """An answer other than success, rendered as a TMF Error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"@type": "Error", "code": str(status),
                         "reason": HTTPStatus(status).phrase, "message": message,
                         "status": str(status)}, status_code=status)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a TMF Error body."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'query')}: {e['msg']}"
                    for e in exc.errors()]
        return error_response(400, "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail))
