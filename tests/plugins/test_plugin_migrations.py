"""Plugin tables: each plugin's own Alembic lineage and version table, applied after the core's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from sonantica_test_notes import MissingMigrations, NotesPlugin

from sonantica_core.db import migrate as schema
from sonantica_core.plugins import Candidate, load_plugins
from sonantica_core.plugins.loader import all_lineages
from sonantica_core.settings import Settings, load_settings
from sonantica_core.testing.fixtures import register_plugin

NOTES_DIR = Path(__file__).parent / "sonantica_test_notes" / "migrations"


def settings_for(tmp_path: Path, database_url: str, toml: str) -> Settings:
    path = tmp_path / "plugins.toml"
    path.write_text(toml)
    return load_settings(environ={"PLUGINS_FILE": str(path), "DATA_DIR": str(tmp_path), "POSTGRES_URL": database_url})


async def fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await conn.fetch(query)
    finally:
        await conn.close()


async def test_all_lineages_are_the_core_then_enabled_plugins_with_tables(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url, "[plugins.notes]\n")
    with register_plugin(NotesPlugin()):
        lineages = all_lineages(settings)
    assert [lineage.name for lineage in lineages] == ["core", "notes"]
    notes = lineages[1]
    assert notes.version_table == "alembic_version_notes"
    assert notes.versions == NOTES_DIR
    assert notes.script_location == schema.core_migrations_dir()  # the shared env.py
    assert schema.head_revision(notes) == "notes_0002"
    disabled = settings_for(tmp_path, database_url, "[plugins.notes]\nenabled = false\n")
    with register_plugin(NotesPlugin()):
        assert [lineage.name for lineage in all_lineages(disabled)] == ["core"]


async def test_migrate_applies_a_plugin_lineage_in_its_own_version_table(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url, "[plugins.notes]\n")
    with register_plugin(NotesPlugin()):
        lineages = all_lineages(settings)
    core_before = await schema.current_revision(database_url, lineages[0])
    assert await schema.current_revision(database_url, lineages[1]) is None
    assert not await schema.is_current(database_url, lineages)

    await schema.upgrade_async(database_url, lineages)

    assert await schema.is_current(database_url, lineages)
    assert await schema.current_revision(database_url, lineages[1]) == "notes_0002"
    assert await schema.current_revision(database_url, lineages[0]) == core_before
    columns = await fetch(database_url, "SELECT column_name FROM information_schema.columns "
                                        "WHERE table_name = 'notes_notes' ORDER BY ordinal_position")
    assert [row["column_name"] for row in columns] == ["id", "track_id", "text", "author"]
    versions = await fetch(database_url, "SELECT version_num FROM alembic_version_notes")
    assert [row["version_num"] for row in versions] == ["notes_0002"]


async def test_a_plugin_lineage_goes_down_alone(tmp_path: Path, database_url: str) -> None:
    """Purging one plugin's tables leaves the core (and its history) alone."""
    settings = settings_for(tmp_path, database_url, "[plugins.notes]\n")
    with register_plugin(NotesPlugin()):
        core, notes = all_lineages(settings)
    await schema.upgrade_async(database_url, [core, notes])
    await asyncio.to_thread(command.downgrade, schema.alembic_config(notes, database_url), "base")
    assert await schema.current_revision(database_url, notes) is None
    assert await fetch(database_url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'notes_notes'") == []
    assert await schema.is_current(database_url, [core])


async def test_an_uninstalled_plugin_does_not_break_the_core_history(tmp_path: Path, database_url: str) -> None:
    with register_plugin(NotesPlugin()):
        lineages = all_lineages(settings_for(tmp_path, database_url, "[plugins.notes]\n"))
    await schema.upgrade_async(database_url, lineages)
    # the plugin is gone; its section stays in plugins.toml
    remaining = all_lineages(settings_for(tmp_path, database_url, "[plugins.notes]\n"))
    assert [lineage.name for lineage in remaining] == ["core"]
    await schema.upgrade_async(database_url, remaining)
    assert await schema.is_current(database_url, remaining)


def test_a_missing_migrations_package_is_a_load_error(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "postgresql://unused/x", "[plugins.nomigrations]\n")
    manager = load_plugins(settings, process="cli", candidates=[Candidate.from_object(MissingMigrations())])
    record = manager.record("nomigrations")
    assert str(record.status) == "load error"
    assert "its migrations package 'sonantica_test_notes.no_such_package' cannot be imported" in record.error
