"""One JSON shape for every error the API returns.

``{"error": {"status": 404, "code": "not_found", "message": "...", "details": ...}}``
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sonantica_core.errors import SonanticaError

log = logging.getLogger("sonantica.http")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "timeout",
}


class ApiError(SonanticaError, HTTPException):
    """An error with a stable machine-readable ``code`` and optional details."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code or _CODES.get(status, "error")
        self.details = details


def error_body(status: int, message: str, code: str | None = None, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "code": code or _CODES.get(status, "error"), "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def error_response(
    status: int, message: str, code: str | None = None, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, message, code, details), status_code=status, headers=headers)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    code = getattr(exc, "code", None)
    details = getattr(exc, "details", None)
    message = exc.detail if isinstance(exc.detail, str) else _CODES.get(exc.status_code, "error").replace("_", " ")
    return error_response(exc.status_code, message, code, details, headers=exc.headers)


async def unhandled_exception_handler(request: Request, exc: Exception) -> Response:
    from sonantica_core.db.availability import unavailable_response

    unavailable = unavailable_response(exc)  # the database is restarting or unreachable: 503, not 500
    if unavailable is not None:
        return unavailable
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal error; the server log has the details")


async def database_error_handler(request: Request, exc: Exception) -> Response:
    """The database is unreachable: 503 (answered here, inside the app, so no traceback is logged);
    any other error of these kinds goes on to :func:`unhandled_exception_handler`."""
    from sonantica_core.db.availability import unavailable_response

    unavailable = unavailable_response(exc)
    if unavailable is None:
        raise exc
    return unavailable


def _database_error_types() -> dict[type[BaseException], Any]:
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    kinds = (DBAPIError, asyncpg.exceptions.PostgresError, asyncpg.exceptions.InterfaceError, OSError)
    return dict.fromkeys(kinds, database_error_handler)


EXCEPTION_HANDLERS = {
    HTTPException: http_exception_handler,
    **_database_error_types(),
    Exception: unhandled_exception_handler,
}
