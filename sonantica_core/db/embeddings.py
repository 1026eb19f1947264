"""Embeddings of many models in one table, each with its own HNSW cosine index.

pgvector indexes need a fixed dimension, and each model has its own, so the
``vector`` column has none; every model gets a partial index over
``vector::vector(<dim>)`` restricted to its rows, and queries cast the same way
so the planner uses that index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

MAX_INDEXED_DIMENSION = 2000  # pgvector's limit for HNSW on vector
_SAFE_MODEL = re.compile(r"^[A-Za-z0-9_.:/@+-]{1,100}$")


def index_name(model: str) -> str:
    """A stable, valid index name for ``model``."""
    slug = re.sub(r"[^a-z0-9]+", "_", model.lower()).strip("_")[:30]
    digest = hashlib.sha1(model.encode()).hexdigest()[:8]
    return f"ix_track_embeddings_hnsw_{slug}_{digest}"


def _check(model: str, dimension: int) -> None:
    if not _SAFE_MODEL.match(model):
        raise ValueError(f"model name {model!r} must be 1–100 letters, digits or _.:/@+-")
    if not 1 <= dimension <= MAX_INDEXED_DIMENSION:
        raise ValueError(f"dimension must be from 1 to {MAX_INDEXED_DIMENSION}, got {dimension}")


async def ensure_model_index(conn: AsyncConnection, model: str, dimension: int) -> str:
    """Create the model's HNSW cosine index if it does not exist; returns its name."""
    _check(model, dimension)
    name = index_name(model)
    literal = model.replace("'", "''")
    await conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {name} ON track_embeddings "
            f"USING hnsw ((vector::vector({dimension})) vector_cosine_ops) WHERE model = '{literal}'"
        )
    )
    return name


async def nearest_tracks(
    session: AsyncSession, model: str, vector: Sequence[float], *, limit: int = 20, exclude: Sequence[int] = ()
) -> list[tuple[int, float]]:
    """Tracks whose ``model`` embedding is closest to ``vector``: (track id, cosine distance)."""
    dimension = len(vector)
    _check(model, dimension)
    rows = await session.execute(
        text(
            f"SELECT track_id, (vector::vector({dimension})) <=> CAST(:v AS vector({dimension})) AS distance "
            "FROM track_embeddings WHERE model = :model AND NOT (track_id = ANY(:exclude)) "
            f"ORDER BY (vector::vector({dimension})) <=> CAST(:v AS vector({dimension})) LIMIT :limit"
        ),
        {
            "v": "[" + ",".join(repr(float(x)) for x in vector) + "]",
            "model": model,
            "exclude": list(exclude),
            "limit": limit,
        },
    )
    return [(row.track_id, float(row.distance)) for row in rows]
