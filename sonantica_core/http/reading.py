"""Helpers of the read-only library endpoints: connections, ids, cursors, pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse

from sonantica_core.http.body import parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.util import core
from sonantica_core.library.cursor import CursorError, cursor_key
from sonantica_core.library.keyset import Ordering, Position, read_cursor


class FastJSONResponse(JSONResponse):
    """JSON made by orjson: several times faster than the standard library for long listings.
    (NaN and infinities become null; the library's items never hold them anyway.)"""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


@asynccontextmanager
async def read_only(request: Request) -> AsyncIterator[AsyncConnection]:
    """A pooled connection in autocommit: reads without BEGIN and ROLLBACK round trips."""
    async with core(request).engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def path_id(request: Request, name: str, what: str) -> int:
    """The id in path parameter ``name`` (``{name:id}`` or ``{name:int}``), read by
    :func:`~sonantica_core.http.body.parse_id`: 404 ``no {what} with id ...`` when it cannot be one."""
    return parse_id(request.path_params[name], what)


def secret(request: Request) -> bytes:
    """The key that signs this server's cursors."""
    ctx = core(request)
    key = ctx.services.cursor_key
    if key is None:
        key = ctx.services.cursor_key = cursor_key(ctx.secret_key)
    return key


def position(request: Request, listing: str, ordering: Ordering, cursor: str | None) -> Position | None:
    """Where the requested page starts; 400 for a cursor that cannot be used."""
    try:
        return read_cursor(secret(request), listing, ordering, cursor)
    except CursorError as exc:
        raise ApiError(400, f"cursor: {exc}", code="bad_cursor") from None


def page_response(
    request: Request, items: list[dict[str, Any]], next_cursor: str | None, limit: int
) -> FastJSONResponse:
    """``{"items", "next", "limit"}``; ``next`` (and a ``Link`` header) keep every other parameter."""
    next_url = None
    headers = {}
    if next_cursor is not None:
        query = [(key, value) for key, value in request.query_params.multi_items() if key != "cursor"]
        next_url = f"{request.url.path}?{urlencode([*query, ('cursor', next_cursor)])}"
        headers["Link"] = f'<{next_url}>; rel="next"'
    return FastJSONResponse({"items": items, "next": next_url, "limit": limit}, headers=headers)
