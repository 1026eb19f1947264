"""The async SQLAlchemy engine and session factory (asyncpg)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from sonantica_core.text.tsvector import register_tsvector_codec

#: Connections older than this are closed and replaced at checkout.
POOL_RECYCLE_SECONDS = 1800
#: Seconds a new connection may take: a database that stops answering (rather than refusing)
#: then fails requests quickly (503 database_unavailable) instead of holding them for a minute.
CONNECT_TIMEOUT_SECONDS = 5.0


def async_url(url: str) -> str:
    """Normalise a PostgreSQL URL to the asyncpg driver."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An engine with a modest pool.

    No ``pool_pre_ping``: it costs a round trip on every checkout, a large share of a
    cached-plan read. A connection the server dropped fails the one statement that uses
    it; SQLAlchemy then invalidates it (and, on a disconnect error, every connection of
    the pool older than it), so the next checkout connects afresh. ``pool_recycle``
    replaces connections before idle timeouts of proxies and firewalls cut them.
    """
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=POOL_RECYCLE_SECONDS,
        echo=echo,
        connect_args={"server_settings": {"application_name": "sonantica"}, "timeout": CONNECT_TIMEOUT_SECONDS},
    )
    event.listen(engine.sync_engine, "connect", _prepare_connection)
    return engine


def _prepare_connection(dbapi_connection: Any, _record: Any) -> None:
    """Every new connection sends search vectors in binary form (the scan copies them)."""
    dbapi_connection.run_async(register_tsvector_codec)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that commits on success and rolls back on error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
