"""Alembic environment shared by the core and by plugin lineages.

The lineage (version table, target metadata) comes from the Config attributes
set by :mod:`sonantica_core.db.migrate`; this file only connects and runs.
A plugin lineage uses this file with its own ``version_locations`` (the
plugin's migrations package) and its own version table
(``alembic_version_<plugin>``); it has no target metadata, so autogenerate
never proposes to drop the core's tables from a plugin's history.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from sonantica_core.db.models import Base

config = context.config
version_table = config.attributes.get("version_table", "alembic_version")
lineage = config.attributes.get("lineage", "core")


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata if lineage == "core" else None,
        version_table=version_table,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"))
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run)
            await conn.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), version_table=version_table, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
