"""Small helpers shared by the core's route modules."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from sonantica_core.http.clientaddr import scope_client_address

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


def core(connection: HTTPConnection) -> CoreContext:
    """The process's :class:`CoreContext`."""
    return connection.app.state.core


def iso(value: dt.datetime | None) -> str | None:
    """A timestamp as ISO 8601 (UTC), or None."""
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def client_address(connection: HTTPConnection) -> str | None:
    """The client's address: the peer's, or the one a trusted front proxy forwarded
    (``TRUSTED_PROXIES``, see :mod:`sonantica_core.http.clientaddr`)."""
    return scope_client_address(connection.scope)


def user_agent(connection: HTTPConnection) -> str | None:
    return connection.headers.get("user-agent")
