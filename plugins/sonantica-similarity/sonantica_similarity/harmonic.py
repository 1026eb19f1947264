"""The ``harmonic`` recommender: tracks a DJ can mix into the seed.

Only tracks whose Camelot key is the seed's, one step around the wheel, or its relative,
and whose tempo is within 6 % of the seed's (or of its half or double), both from
``track_audio_features`` (the key and tempo analyzers). Among those, the ones that sound
most alike come first when the similarity model has vectors; the score multiplies the
key move's factor (same 1.0, adjacent 0.9, relative 0.85), the tempo's closeness and the
sound similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from sonantica_core.contract import RecommendationSeed, Recommender, ScoredTrack
from sonantica_core.db.embeddings import model_dimension, model_literal, similarity, vector_literal, vectors_of

from .camelot import KEY_MOVES, TEMPO_TOLERANCE, compatible_keys, tempo_ratio, tempo_windows

#: Compatible tracks looked at, nearest in sound first.
CANDIDATES = 500

_SEED = text("SELECT camelot_key, bpm FROM track_audio_features WHERE track_id = :t")


class Harmonic(Recommender):
    """Compatible keys (same, ±1, relative) and tempi (±6 %, half or double)."""

    name = "harmonic"
    purposes = ("harmonic",)

    async def recommend(self, seed: RecommendationSeed, context: Any) -> Sequence[ScoredTrack]:
        if seed.track_id is None:
            return []
        model = seed.model or context.settings.similarity_model
        async with context.session() as session:
            row = (await session.execute(_SEED, {"t": seed.track_id})).first()
            if row is None or not row.camelot_key or not row.bpm:
                return []
            keys = compatible_keys(row.camelot_key)
            windows = tempo_windows(float(row.bpm))
            params: dict[str, Any] = {"keys": list(keys), "exclude": [seed.track_id, *seed.exclude_ids],
                                      "fetch": CANDIDATES}
            tempo = " OR ".join(f"f.bpm BETWEEN :lo{i} AND :hi{i}" for i in range(len(windows)))
            for i, (low, high) in enumerate(windows):
                params[f"lo{i}"], params[f"hi{i}"] = low, high
            dimension = await model_dimension(session, model)
            vectors = await vectors_of(session, model, [seed.track_id]) if dimension else {}
            if seed.track_id in vectors and dimension:
                params["v"] = vector_literal(vectors[seed.track_id])
                join = (f"LEFT JOIN track_embeddings e ON e.track_id = f.track_id AND e.model = {model_literal(model)} "
                        "AND e.embedding_type = 'audio'")
                distance = f"(e.vector::vector({dimension})) <=> CAST(:v AS vector({dimension}))"
            else:
                join, distance = "", "NULL::float8"
            rows = await session.execute(
                text(
                    f"SELECT f.track_id, f.camelot_key, f.bpm, {distance} AS distance FROM track_audio_features f "
                    f"JOIN tracks t ON t.id = f.track_id AND t.removed_at IS NULL {join} "
                    f"WHERE f.camelot_key = ANY(:keys) AND ({tempo}) AND NOT (f.track_id = ANY(:exclude)) "
                    "ORDER BY distance NULLS LAST, f.track_id LIMIT :fetch"
                ),
                params,
            )
            found = rows.all()
        scored = []
        for track in found:
            ratio = tempo_ratio(float(row.bpm), float(track.bpm))
            move = keys.get(track.camelot_key)
            if ratio is None or move is None:
                continue
            factor, said = KEY_MOVES[move]
            sound = similarity(track.distance) if track.distance is not None else 0.75
            score = factor * (1.0 - 0.1 * ratio / TEMPO_TOLERANCE) * sound
            why = f"{said} ({track.camelot_key}), {track.bpm:.0f} BPM"
            scored.append(ScoredTrack(track.track_id, round(score, 6), why))
        scored.sort(key=lambda s: -s.score)
        return scored[: seed.limit]
