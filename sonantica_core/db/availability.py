"""Telling "the database is unreachable" from every other error, and answering it.

While PostgreSQL restarts (or the network to it is cut), every statement fails: a
connection the server closed raises asyncpg's ``ConnectionDoesNotExistError`` (wrapped by
SQLAlchemy as a ``DBAPIError`` with ``connection_invalidated``), a new connection is
refused (``OSError``), the server says it is shutting down or starting
(``CannotConnectNowError``, ``AdminShutdownError``, SQLSTATE class 57P and 08), or
connecting times out. None of those is a bug of the request: the API answers them
with 503, ``Retry-After`` and the JSON error ``database_unavailable``, instead of a 500
and a traceback in the log. SQLAlchemy drops the dead connections from its pool, so the
first request after the database is back connects afresh and succeeds.
"""

from __future__ import annotations

import logging
import time
from typing import Final

from starlette.responses import JSONResponse

log = logging.getLogger("sonantica.db")

#: Seconds a client is told to wait before trying again.
RETRY_AFTER: Final = 2
#: SQLSTATE classes and codes that say the server cannot serve now (RFC: PostgreSQL appendix A).
_UNAVAILABLE_STATES: Final = ("08", "57P01", "57P02", "57P03", "53300")
#: Seconds between two warnings about the database being unreachable.
_WARN_EVERY: Final = 10.0
_last_warning = 0.0


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (``orig``, ``__cause__``, ``__context__``), a few levels deep."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 12:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached now (not that a statement is wrong)."""
    import asyncpg
    from sqlalchemy import exc as sa_exc

    for cause in _causes(exc):
        if isinstance(cause, sa_exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, asyncpg.exceptions.ConnectionDoesNotExistError | asyncpg.exceptions.InterfaceError):
            if isinstance(cause, asyncpg.exceptions.InterfaceError) and "another operation" in str(cause):
                continue  # a programming error, not an outage
            return True
        if isinstance(cause, asyncpg.exceptions.PostgresError):
            state = getattr(cause, "sqlstate", "") or ""
            if state.startswith(_UNAVAILABLE_STATES):
                return True
        if (
            isinstance(cause, OSError)  # (TimeoutError is one)
            and (isinstance(cause, TimeoutError) or _is_connect_error(cause))
            and _raised_by_driver(cause)
        ):
            return True
    return False


def _raised_by_driver(exc: BaseException) -> bool:
    """Whether ``exc`` came out of the database driver or pool (not out of Redis, a file, a client)."""
    tb = exc.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith(("asyncpg", "sqlalchemy")):
            return True
        tb = tb.tb_next
    return False


def _is_connect_error(exc: OSError) -> bool:
    import errno

    return exc.errno in {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ENOENT,  # the socket file of a stopped server
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }


def unavailable_response(exc: BaseException) -> JSONResponse | None:
    """The 503 for ``exc`` when it means the database is unreachable, else None."""
    if not database_unavailable(exc):
        return None
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > _WARN_EVERY:
        _last_warning = now
        log.warning("the database is unreachable (%s: %s); answering 503 meanwhile", type(exc).__name__, exc)
    body = {
        "error": {
            "status": 503,
            "code": "database_unavailable",
            "message": "the database is unreachable; try again shortly",
        }
    }
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER)})
