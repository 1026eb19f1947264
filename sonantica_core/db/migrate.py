"""Running the schema migrations (Alembic) of the core and of plugins.

The core's versions live in the top-level ``migrations/`` folder and are
recorded in ``alembic_version``. Each plugin that owns tables has its own
lineage and version table (``alembic_version_<plugin>``), so uninstalling one
plugin never breaks another's history.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine as create_sync_engine

from sonantica_core.db.engine import async_url

if TYPE_CHECKING:
    pass

CORE_VERSION_TABLE = "alembic_version"


def core_migrations_dir() -> Path:
    """Where the core's migrations are: the installed copy or the repository's ``migrations/``.

    A wheel ships the top-level ``migrations/`` folder as ``sonantica_core/_migrations``
    (the ``package-dir`` mapping in ``pyproject.toml``). A source checkout (editable
    install, or running from the tree) has no such folder and uses the repository's,
    next to ``pyproject.toml``; that check keeps an unrelated top-level ``migrations``
    folder in site-packages from being taken for the core's.
    """
    package = Path(__file__).resolve().parent.parent
    installed = package / "_migrations"
    if (installed / "env.py").is_file():
        return installed
    repository = package.parent / "migrations"
    if (repository / "env.py").is_file() and (package.parent / "pyproject.toml").is_file():
        return repository
    raise FileNotFoundError(
        f"the core's migrations are missing from this installation (looked for {installed} and {repository})"
    )


@dataclass(frozen=True, slots=True)
class Lineage:
    """One migration history: the core's or a plugin's."""

    name: str
    script_location: Path
    version_table: str
    #: The folder of revision files when it is not ``script_location/versions``
    #: (plugins: their own package, run by the core's shared ``env.py``).
    versions: Path | None = None


@functools.cache
def earlier_revision(path: Path) -> ModuleType:
    """A revision file loaded as a module, for a later revision that reuses its SQL."""
    spec = importlib.util.spec_from_file_location(f"sonantica_revision_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def core_lineage() -> Lineage:
    return Lineage("core", core_migrations_dir(), CORE_VERSION_TABLE)


def alembic_config(lineage: Lineage, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(lineage.script_location))
    if lineage.versions is not None:
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", str(lineage.versions).replace("%", "%%"))
    cfg.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    cfg.attributes["version_table"] = lineage.version_table
    cfg.attributes["lineage"] = lineage.name
    return cfg


def head_revision(lineage: Lineage) -> str | None:
    versions = [str(lineage.versions)] if lineage.versions is not None else None
    script = ScriptDirectory(str(lineage.script_location), version_locations=versions)
    return script.get_current_head()


def _sync_url(url: str) -> str:
    # Reading the version needs only a plain connection; asyncpg via the sync shim.
    return async_url(url)


async def current_revision(url: str, lineage: Lineage) -> str | None:
    """The revision the database is at for ``lineage`` (None: never migrated)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_url(url), poolclass=None)
    try:
        async with engine.connect() as conn:

            def read(sync_conn: object) -> str | None:
                ctx = MigrationContext.configure(sync_conn, opts={"version_table": lineage.version_table})
                return ctx.get_current_revision()

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def is_current(url: str, lineages: list[Lineage] | None = None) -> bool:
    """True when every lineage is at its head."""
    for lineage in lineages or [core_lineage()]:
        if await current_revision(url, lineage) != head_revision(lineage):
            return False
    return True


def upgrade(url: str, lineages: list[Lineage] | None = None, revision: str = "head") -> None:
    """Upgrade the core, then each plugin lineage, to ``revision`` (blocking)."""
    for lineage in lineages or [core_lineage()]:
        command.upgrade(alembic_config(lineage, url), revision)


async def upgrade_async(url: str, lineages: list[Lineage] | None = None) -> None:
    """:func:`upgrade` from async code (Alembic's env runs its own event loop)."""
    await asyncio.to_thread(upgrade, url, lineages)


__all__ = [
    "CORE_VERSION_TABLE",
    "Lineage",
    "alembic_config",
    "core_lineage",
    "create_sync_engine",
    "current_revision",
    "head_revision",
    "is_current",
    "upgrade",
    "upgrade_async",
]
