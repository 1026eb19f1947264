"""The schema: migrations match the models, go down and up again, and pgvector indexes per model."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from sonantica_core.db import migrate as schema
from sonantica_core.db.engine import async_url
from sonantica_core.db.models import Base


async def _diff(url: str) -> list:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    assert await _diff(database_url) == []
    assert await schema.is_current(database_url)


async def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    from alembic import command

    cfg = schema.alembic_config(schema.core_lineage(), database_url)
    await asyncio.to_thread(command.downgrade, cfg, "base")
    assert await schema.current_revision(database_url, schema.core_lineage()) is None
    assert not await schema.is_current(database_url)
    await schema.upgrade_async(database_url)
    assert await schema.is_current(database_url)
    assert await _diff(database_url) == []


async def test_embeddings_get_an_hnsw_cosine_index_per_model(core) -> None:
    from sonantica_core.db.embeddings import ensure_model_index, nearest_tracks

    async with core.session() as session:
        await session.execute(
            text(
                "INSERT INTO tracks (id, root, relative_path, size, mtime_ns, content_hash, title, title_folded) "
                "VALUES "
                "(1, 'm', 'a.flac', 1, 1, 'h1', 'a', 'a'), (2, 'm', 'b.flac', 1, 1, 'h2', 'b', 'b'),"
                "(3, 'm', 'c.flac', 1, 1, 'h3', 'c', 'c')"
            )
        )
        for track_id, vector in ((1, [1.0, 0.0, 0.0]), (2, [0.9, 0.1, 0.0]), (3, [0.0, 0.0, 1.0])):
            await session.execute(
                text(
                    "INSERT INTO track_embeddings (track_id, model, source, dimension, vector) "
                    "VALUES (:t, 'tiny-3', 'test', 3, :v)"
                ),
                {"t": track_id, "v": str(vector)},
            )
        await session.execute(
            text(
                "INSERT INTO track_embeddings (track_id, model, source, dimension, vector) "
                "VALUES (1, 'wide-5', 'test', 5, '[1,2,3,4,5]')"
            )
        )
    async with core.engine.begin() as conn:
        name = await ensure_model_index(conn, "tiny-3", 3)
        assert name == await ensure_model_index(conn, "tiny-3", 3)  # idempotent
        await ensure_model_index(conn, "wide-5", 5)
        indexes = (
            await conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'track_embeddings'"))
        ).all()
    definitions = {row.indexname: row.indexdef for row in indexes}
    assert "hnsw" in definitions[name] and "vector_cosine_ops" in definitions[name]
    assert "vector(3)" in definitions[name] and "'tiny-3'" in definitions[name]
    async with core.session() as session:
        assert [t for t, _ in await nearest_tracks(session, "tiny-3", [1.0, 0.0, 0.0], limit=3)] == [1, 2, 3]
