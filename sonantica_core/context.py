"""The core context: what every part of the core and every plugin is handed.

One :class:`CoreContext` exists per process (web or worker). Plugins receive it
instead of reaching into core internals; its attributes are the documented,
stable surface: ``settings``, ``session()``, ``redis``, ``events``, ``storage``
(the derived-data directory), ``cache``, ``plugin_config(name)`` and
``outside_client(service, base_url=...)`` (the polite client of an outside service).

Beside it, ``ctx.services`` (:class:`ProcessServices`) holds what the core's own
parts keep per process (caches, the auth state, the broker, the plugin manager):
typed attributes, each owned by one module. It is not part of the plugin contract.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sonantica_core.bus.events import EventPublisher
from sonantica_core.db.engine import create_engine, session_factory, session_scope
from sonantica_core.outside.client import OutsideClient, OutsideOptions
from sonantica_core.settings import Settings

if TYPE_CHECKING:
    from anyio import CapacityLimiter

    from sonantica_core.auth.ratelimit import LoginRateLimiter
    from sonantica_core.auth.state import AuthState
    from sonantica_core.bus.invalidation import InvalidationBus
    from sonantica_core.bus.library import GenerationBumps, LibraryListener
    from sonantica_core.http.responsecache import ResponseCache
    from sonantica_core.library.genres import GenreStats
    from sonantica_core.media.storage import MediaStorage
    from sonantica_core.media.trackcache import TrackCache
    from sonantica_core.plugins.manager import PluginManager
    from sonantica_core.tasks.broker import PriorityRedisBroker
    from sonantica_core.transcode.service import Transcoder


class DerivedStorage:
    """The derived-data directory: everything here can be deleted and rebuilt.

    Layout (under ``DATA_DIR/derived``)::

        covers/original/<hh>/<hash>.<ext>      cover images as found
        covers/<size>/<hh>/<hash>.<fmt>        resized covers (webp or jpeg)
        waveforms/<hh>/<track id>.json         audiowaveform peaks
        analysis/<analyzer>/<hh>/<track id>/   other analyzer artifacts
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


#: ``hook(ctx, track_id, user_id)``, called when a stream of a track starts (may return an awaitable).
StreamStartHook = Any


@dataclass
class ProcessServices:
    """What the core keeps per process, one typed attribute per service.

    Each is created on first use by the module that owns it (``get_auth_state``,
    ``get_track_cache``, ``get_bus`` ...) or installed by the process's wiring
    (``sonantica_core.server``); tests may replace one to observe or break it.
    """

    #: The task broker that sends (and in a worker, receives) tasks.
    broker: PriorityRedisBroker | None = None
    #: The plugin manager of this process (``sonantica_core.plugins.manager_of``).
    plugins: PluginManager | None = None
    #: Called when a stream starts (the web process analyses unanalysed tracks first).
    on_stream_start: StreamStartHook | None = None
    #: The invalidation bus: cross-process "drop what you cache" messages.
    invalidation: InvalidationBus | None = None
    #: In-process subscribers of "the library changed" (``sonantica_core.bus.library``).
    library_listeners: list[LibraryListener] = field(default_factory=list)
    #: Coalescing of library generation bumps (``sonantica_core.bus.library``).
    generation_bumps: GenerationBumps | None = None
    media: MediaStorage | None = None
    auth: AuthState | None = None
    login_limiter: LoginRateLimiter | None = None
    track_cache: TrackCache | None = None
    response_cache: ResponseCache | None = None
    genre_stats: GenreStats | None = None
    #: The key that signs this server's library cursors.
    cursor_key: bytes | None = None
    #: Cover renderings at once, and one lock per cover being rendered.
    cover_renderers: CapacityLimiter | None = None
    cover_locks: dict[tuple[str, int, str], Any] = field(default_factory=dict)
    #: Tracks whose analysis a stream already asked for.
    analysis_requested: set[int] = field(default_factory=set)
    #: Running transcodes and their cache (``sonantica_core.transcode.get_transcoder``).
    transcoder: Transcoder | None = None
    #: When this process last recorded a stream of a separation (``sonantica_core.http.routes.stems``).
    stems_touched: dict[tuple[int, str, str], float] = field(default_factory=dict)
    #: Polite clients of outside services, by (service, base URL) (``CoreContext.outside_client``).
    outside_clients: dict[tuple[str, str], OutsideClient] = field(default_factory=dict)


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
    #: The core's own per-process services (not part of the plugin contract).
    services: ProcessServices = field(default_factory=ProcessServices)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A database session that commits on success, rolls back on error."""
        async with session_scope(self.sessions) as session:
            yield session

    def plugin_config(self, name: str) -> Any:
        """The validated configuration of plugin ``name``."""
        return self.plugin_configs.get(name)

    def outside_client(self, service: str, *, base_url: str, **options: Any) -> OutsideClient:
        """The polite client of an outside service, shared by everything in this process.

        ``options`` are fields of :class:`~sonantica_core.outside.client.OutsideOptions`
        (``interval``, ``timeout``, ``attempts``, ``backoff``, ``cache_ttl``, ...), used when
        the client is first made. The User-Agent carries the ``CONTACT`` setting; the rate
        limit and the circuit breaker are shared with every process through Redis.
        """
        key = (service, base_url.rstrip("/"))
        client = self.services.outside_clients.get(key)
        if client is None:
            client = OutsideClient(
                self.redis, service, base_url=base_url, contact=self.settings.contact,
                options=OutsideOptions(**options),
            )
            self.services.outside_clients[key] = client
        return client

    async def close(self) -> None:
        for client in self.services.outside_clients.values():
            await client.aclose()
        self.services.outside_clients.clear()
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
