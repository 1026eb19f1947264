"""One statement, one round trip: a pooled connection in autocommit mode.

For hot lookups (a track by id, an API key by hash) where a transaction would
add ``BEGIN`` and ``ROLLBACK`` round trips around a single statement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose statements each commit on their own."""
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")
