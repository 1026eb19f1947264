"""pytest fixtures for testing Sonántica and its plugins against real services.

Installed as a pytest plugin (entry point ``pytest11``), so any project that
depends on ``sonantica-core`` gets these fixtures without configuration:

* ``sonantica_services``  (session) a real PostgreSQL with pgvector and a real Redis:
  the embedded ones under a temporary directory, or ``POSTGRES_URL`` / ``REDIS_URL``
  when set (the database named there is only used to create per-test databases).
* ``database_url``  a fresh database, migrated to the current schema, per test.
* ``redis_url``     a Redis database emptied before the test.
* ``make_settings`` build :class:`Settings` for a test (data dir under ``tmp_path``).
* ``core``          an open :class:`CoreContext` on those.
* ``app``           the web app built on ``core`` with its lifespan running.
* ``client``        an ``httpx.AsyncClient`` talking to ``app``.
* ``make_user``     create a user and get an authenticated header for it.

Example, a plugin's test::

    async def test_my_route(client, admin_headers):
        response = await client.get("/plugins/myplugin/hello", headers=admin_headers)
        assert response.status_code == 200
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sonantica_core.settings import Settings, load_settings


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
        return urlunsplit(parts._replace(query=f"{query}&db={index}" if query else f"db={index}"))
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
    from sonantica_core.webapp import build_app_for_context

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
