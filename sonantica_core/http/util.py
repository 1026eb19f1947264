"""Small helpers shared by the core's route modules."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


def core(connection: HTTPConnection) -> CoreContext:
    """The process's :class:`CoreContext`."""
    return connection.app.state.core


def iso(value: dt.datetime | None) -> str | None:
    """A timestamp as ISO 8601 (UTC), or None."""
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def client_address(connection: HTTPConnection) -> str | None:
    """The peer address as the ASGI server reports it (configure the server's proxy
    handling, e.g. Hypercorn's ``ProxyFixMiddleware``, to see clients behind a proxy)."""
    client = connection.client
    return client.host if client else None


def user_agent(connection: HTTPConnection) -> str | None:
    return connection.headers.get("user-agent")
