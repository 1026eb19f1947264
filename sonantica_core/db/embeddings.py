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
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

#: HNSW candidate list size per query (``hnsw.ef_search``); at least the rows asked for.
EF_SEARCH = 80
#: A dimension's spread is at least this, so a dimension constant over the library stays near 0.
MIN_SPREAD = 1e-4
#: Libraries up to this many vectors of a model are restandardised on every write.
SMALL_LIBRARY = 64
#: Past that, when the count moved this share away from the last standardisation.
RESTANDARDISE_GROWTH = 0.2
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
    await conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {name} ON track_embeddings "
            f"USING hnsw ((vector::vector({dimension})) vector_cosine_ops) WHERE model = {model_literal(model)}"
        )
    )
    return name


def model_literal(model: str) -> str:
    """``model`` as an SQL string literal (names are checked: letters, digits and ``_.:/@+-``)."""
    if not _SAFE_MODEL.match(model):
        raise ValueError(f"model name {model!r} must be 1–100 letters, digits or _.:/@+-")
    return "'" + model.replace("'", "''") + "'"


async def nearest_tracks(
    session: AsyncSession,
    model: str,
    vector: Sequence[float] | np.ndarray,
    *,
    limit: int = 20,
    exclude: Sequence[int] = (),
    ef_search: int = EF_SEARCH,
) -> list[tuple[int, float]]:
    """Present tracks whose ``model`` embedding is closest to ``vector``: (track id, cosine distance).

    The query casts and filters exactly as the model's partial HNSW index is defined, so the
    planner walks that index; ``hnsw.ef_search`` is set for this transaction only (at least
    the number of rows fetched). Tracks in ``exclude`` and removed tracks are left out.
    """
    values = np.asarray(vector, dtype=np.float32).ravel()
    dimension = len(values)
    _check(model, dimension)
    fetch = limit + len(exclude)
    literal = model_literal(model)  # a literal, not a parameter: the partial index's predicate must be provable
    await session.execute(text(f"SET LOCAL hnsw.ef_search = {max(int(ef_search), fetch, 1)}"))
    rows = await session.execute(
        text(
            "SELECT near.track_id, near.distance FROM ("
            f"SELECT track_id, (vector::vector({dimension})) <=> CAST(:v AS vector({dimension})) AS distance "
            f"FROM track_embeddings WHERE model = {literal} "
            f"ORDER BY (vector::vector({dimension})) <=> CAST(:v AS vector({dimension})) LIMIT :fetch"
            ") AS near JOIN tracks ON tracks.id = near.track_id AND tracks.removed_at IS NULL "
            "WHERE NOT (near.track_id = ANY(:exclude)) ORDER BY near.distance, near.track_id LIMIT :limit"
        ),
        {"v": vector_literal(values), "exclude": list(exclude), "limit": limit, "fetch": fetch},
    )
    return [(row.track_id, float(row.distance)) for row in rows]


def vector_literal(vector: Sequence[float] | np.ndarray) -> str:
    """pgvector's text form of ``vector`` (finite float32 values)."""
    values = np.asarray(vector, dtype=np.float32).ravel()
    if not np.all(np.isfinite(values)):
        raise ValueError("an embedding must have finite values only")
    return "[" + ",".join(f"{x:.7g}" for x in values.tolist()) + "]"


def parse_vector(text_form: str) -> np.ndarray:
    """A float32 array from pgvector's text form."""
    body = text_form.strip().strip("[]")
    return np.array([float(x) for x in body.split(",")] if body else [], dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Standardisation:
    """The library mean and spread of a model's raw vectors, over ``count`` tracks."""

    mean: np.ndarray
    std: np.ndarray
    count: int

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return ((np.asarray(raw, dtype=np.float32) - self.mean) / self.std).astype(np.float32)


async def _lock_model(session: AsyncSession, model: str) -> None:
    """Serialise writers of one model's vectors until the transaction ends."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"embeddings:{model}"})


async def read_standardisation(session: AsyncSession, model: str) -> Standardisation | None:
    row = (
        await session.execute(
            text("SELECT mean::text AS mean, std::text AS std, count FROM embedding_stats WHERE model = :m"),
            {"m": model},
        )
    ).first()
    if row is None:
        return None
    return Standardisation(parse_vector(row.mean), parse_vector(row.std), int(row.count))


async def restandardise(session: AsyncSession, model: str) -> Standardisation | None:
    """Recompute the model's library mean and spread from the raw vectors and rewrite every
    stored z-score with them, in SQL (pgvector's ``avg`` and element-wise arithmetic)."""
    row = (
        await session.execute(
            text(
                "SELECT avg(raw_vector)::text AS mean, avg(raw_vector * raw_vector)::text AS square, count(*) AS n "
                "FROM track_embeddings WHERE model = :m AND raw_vector IS NOT NULL"
            ),
            {"m": model},
        )
    ).first()
    if row is None or not row.n:
        return None
    mean = parse_vector(row.mean).astype(np.float64)
    variance = np.maximum(parse_vector(row.square).astype(np.float64) - mean * mean, 0.0)
    std = np.maximum(np.sqrt(variance), MIN_SPREAD)
    stats = Standardisation(mean.astype(np.float32), std.astype(np.float32), int(row.n))
    await session.execute(
        text(
            "UPDATE track_embeddings SET vector = (raw_vector - CAST(:mean AS vector)) * CAST(:inv AS vector) "
            "WHERE model = :m AND raw_vector IS NOT NULL"
        ),
        {"m": model, "mean": vector_literal(stats.mean), "inv": vector_literal(1.0 / std)},
    )
    await session.execute(
        text(
            "INSERT INTO embedding_stats (model, dimension, count, mean, std) VALUES (:m, :d, :n, :mean, :std) "
            "ON CONFLICT (model) DO UPDATE SET dimension = EXCLUDED.dimension, count = EXCLUDED.count, "
            "mean = EXCLUDED.mean, std = EXCLUDED.std, updated_at = now()"
        ),
        {"m": model, "d": len(mean), "n": stats.count, "mean": vector_literal(stats.mean),
         "std": vector_literal(stats.std)},
    )
    return stats


def _due(stats: Standardisation | None, count: int, dimension: int) -> bool:
    if stats is None or len(stats.mean) != dimension:
        return True
    return count <= SMALL_LIBRARY or abs(count - stats.count) >= RESTANDARDISE_GROWTH * stats.count


async def write_embedding(
    session: AsyncSession,
    track_id: int,
    source: str,
    model: str,
    vector: Sequence[float] | np.ndarray,
    *,
    version: str = "1",
    standardise: bool = False,
) -> None:
    """Keep ``track_id``'s ``model`` vector (replacing an older one) and make sure the model has its index.

    A ``standardise`` model keeps the raw vector and stores its z-scores over the library in
    ``vector``; its mean and spread are recomputed (every z-score rewritten) while the
    library is small and whenever its count moved 20 % since the last time.
    """
    raw = np.asarray(vector, dtype=np.float32).ravel()
    dimension = len(raw)
    _check(model, dimension)
    stored_raw: str | None = None
    stats: Standardisation | None = None
    if standardise:
        await _lock_model(session, model)
        stats = await read_standardisation(session, model)
        usable = stats is not None and len(stats.mean) == dimension
        stored = stats.apply(raw) if usable and stats is not None else raw
        stored_raw = vector_literal(raw)
    else:
        stored = raw
    await session.execute(
        text(
            "INSERT INTO track_embeddings (track_id, model, embedding_type, source, dimension, vector, raw_vector, "
            "model_version) VALUES (:t, :m, 'audio', :s, :d, :v, :raw, :ver) "
            "ON CONFLICT (track_id, model, embedding_type) DO UPDATE SET source = EXCLUDED.source, "
            "dimension = EXCLUDED.dimension, vector = EXCLUDED.vector, raw_vector = EXCLUDED.raw_vector, "
            "model_version = EXCLUDED.model_version, created_at = now()"
        ),
        {"t": track_id, "m": model, "s": source[:100], "d": dimension, "v": vector_literal(stored),
         "raw": stored_raw, "ver": str(version)[:50]},
    )
    name = index_name(model)
    if await session.scalar(text("SELECT to_regclass(:n) IS NULL"), {"n": name}):  # once per model
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": name})
        await ensure_model_index(await session.connection(), model, dimension)
    if standardise:
        count = await session.scalar(
            text("SELECT count(*) FROM track_embeddings WHERE model = :m AND raw_vector IS NOT NULL"), {"m": model}
        )
        if _due(stats, int(count or 0), dimension):
            await restandardise(session, model)


async def model_dimension(session: AsyncSession, model: str) -> int | None:
    """The dimension of ``model``'s vectors, None when it has none."""
    return await session.scalar(
        text("SELECT dimension FROM track_embeddings WHERE model = :m LIMIT 1"), {"m": model}
    )


async def vectors_of(session: AsyncSession, model: str, track_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """The stored (standardised) ``model`` vectors of ``track_ids`` that have one."""
    if not track_ids:
        return {}
    rows = await session.execute(
        text(
            "SELECT track_id, vector::text AS vector FROM track_embeddings "
            "WHERE model = :m AND embedding_type = 'audio' AND track_id = ANY(:ids)"
        ),
        {"m": model, "ids": list(track_ids)},
    )
    return {row.track_id: parse_vector(row.vector) for row in rows}


def similarity(distance: float) -> float:
    """A cosine distance (0–2) as a score from 0 to 1, where 1.0 is the same recording."""
    return max(0.0, min(1.0, 1.0 - distance / 2.0))
