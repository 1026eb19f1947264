"""The core context: what every part of the core and every plugin is handed.

One :class:`CoreContext` exists per process (web or worker). Plugins receive it
instead of reaching into core internals; its attributes are the documented,
stable surface: ``settings``, ``session()``, ``redis``, ``events``, ``storage``
(the derived-data directory), ``cache`` and ``plugin_config(name)``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sonantica_core.bus.events import EventPublisher
from sonantica_core.db.engine import create_engine, session_factory, session_scope
from sonantica_core.settings import Settings


class DerivedStorage:
    """The derived-data directory: everything here can be deleted and rebuilt.

    Layout (under ``DATA_DIR/derived``)::

        covers/original/<hh>/<hash>.<ext>      cover images as found
        covers/<size>/<hh>/<hash>.<fmt>        resized covers (webp or jpeg)
        waveforms/<hh>/<track id>.json         audiowaveform peaks
        analysis/<analyzer>/<hh>/<track id>/   other analyzer artifacts
        stems/<hh>/<track id>/<stem>.flac      separated stems
        transcodes/<hh>/<key>.<ext>            cached transcodes
        plugins/<plugin>/                      a plugin's own files

    ``<hh>`` is a two-character fan-out so no folder grows too large.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def fan_out(key: str | int) -> str:
        text = f"{key}"
        return text[-2:].rjust(2, "0") if text.isdigit() else text[:2]

    def path(self, kind: str, key: str | int, name: str | None = None) -> Path:
        """Where an item lives, e.g. ``path("waveforms", 42, "42.json")``."""
        folder = self.root / kind / self.fan_out(key)
        return folder / (name if name is not None else str(key))

    def plugin_dir(self, plugin: str) -> Path:
        folder = self.root / "plugins" / plugin
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write_atomic(self, target: Path, data: bytes) -> None:
        """Write ``data`` to ``target`` so readers never see a partial file."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise


class Cache:
    """A small Redis-backed cache with expiry, namespaced per owner."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self._redis = redis
        self._prefix = f"sonantica:cache:{namespace}:"

    async def get(self, key: str) -> bytes | None:
        return await self._redis.get(self._prefix + key)

    async def set(self, key: str, value: bytes | str, ttl: float) -> None:
        await self._redis.set(self._prefix + key, value, px=int(ttl * 1000))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    def namespace(self, name: str) -> Cache:
        return Cache(self._redis, self._prefix.removeprefix("sonantica:cache:") + name)


@dataclass
class CoreContext:
    """Shared services of one process. Create with :func:`open_context`."""

    settings: Settings
    secret_key: str
    postgres_url: str
    redis_url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    events: EventPublisher
    storage: DerivedStorage
    cache: Cache
    #: Filled by the plugin manager: name → validated configuration object.
    plugin_configs: dict[str, Any] = field(default_factory=dict)
    #: Anything a part of the core wants to keep per process (e.g. the track cache).
    extras: dict[str, Any] = field(default_factory=dict)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A database session that commits on success, rolls back on error."""
        async with session_scope(self.sessions) as session:
            yield session

    def plugin_config(self, name: str) -> Any:
        """The validated configuration of plugin ``name``."""
        return self.plugin_configs.get(name)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.engine.dispose()


async def open_context(
    settings: Settings, *, secret_key: str, postgres_url: str, redis_url: str, pool_size: int = 10
) -> CoreContext:
    """Connect to PostgreSQL and Redis (lazily: nothing is opened until used)."""
    engine = create_engine(postgres_url, pool_size=pool_size)
    redis = Redis.from_url(redis_url, health_check_interval=30)
    derived = settings.data_dir / "derived"
    return CoreContext(
        settings=settings,
        secret_key=secret_key,
        postgres_url=postgres_url,
        redis_url=redis_url,
        engine=engine,
        sessions=session_factory(engine),
        redis=redis,
        events=EventPublisher(redis),
        storage=DerivedStorage(derived),
        cache=Cache(redis, "core"),
    )
