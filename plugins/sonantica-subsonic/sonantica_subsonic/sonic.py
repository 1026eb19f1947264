"""The ``sonicSimilarity`` extension: ``getSonicSimilarTracks`` and ``findSonicPath``.

Both answer ``sonicMatch`` entries (a song and its ``similarity``, 0 to 1, 1.0 the same recording)
from the core's sound similarity: the nearest tracks in the ``SIMILARITY_MODEL`` embedding space,
and the core's sonic path (each step a real track, closer to the end than the one before).
A song without a vector yet (not analysed) has no sonic matches: an empty list, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from sonantica_core.contract import RecommendationSeed
from sonantica_core.db.embeddings import nearest_tracks, similarity, vectors_of
from sonantica_core.db.library import Track
from sonantica_core.recommend.service import first_answer
from sonantica_subsonic import ids, shapes
from sonantica_subsonic.api import Call, method
from sonantica_subsonic.envelope import not_found


async def _present(session: Any, track_id: int) -> None:
    found = await session.scalar(select(Track.id).where(Track.id == track_id, Track.removed_at.is_(None)))
    if found is None:
        raise not_found("song")


async def _matches(session: Any, user_id: int, scored: Sequence[tuple[int, float]]) -> list[dict[str, Any]]:
    """``sonicMatch`` entries for (track id, similarity), in that order."""
    if not scored:
        return []
    rows = (await session.execute(shapes.song_select().where(Track.id.in_([t for t, _ in scored])))).all()
    by_id = {row.Track.id: row for row in rows}
    kept = [(t, s) for t, s in scored if t in by_id]
    songs = await shapes.songs(session, user_id, [by_id[t] for t, _ in kept])
    return [{"entry": song, "similarity": round(score, 6)} for song, (_, score) in zip(songs, kept, strict=True)]


@method("getSonicSimilarTracks")
async def get_sonic_similar_tracks(call: Call) -> dict[str, Any]:
    """The songs that sound most like ``id``, most similar first."""
    track_id = ids.number(call.params.required("id"), ids.SONG)
    count = call.params.integer("count", 10, high=500) or 0
    model = call.ctx.settings.similarity_model
    async with call.ctx.session() as session:
        await _present(session, track_id)
        vectors = await vectors_of(session, model, [track_id])
        if track_id not in vectors or count == 0:
            return {"sonicMatch": []}
        near = await nearest_tracks(session, model, vectors[track_id], limit=count, exclude=[track_id])
        return {"sonicMatch": await _matches(session, call.user_id, [(t, similarity(d)) for t, d in near])}


@method("findSonicPath")
async def find_sonic_path(call: Call) -> dict[str, Any]:
    """At most ``count`` songs from ``startSongId`` to ``endSongId``; similarity is to the start."""
    start = ids.number(call.params.required("startSongId"), ids.SONG)
    end = ids.number(call.params.required("endSongId"), ids.SONG)
    count = call.params.integer("count", 25, low=2, high=200) or 25
    model = call.ctx.settings.similarity_model
    async with call.ctx.session() as session:
        for track_id in (start, end):
            await _present(session, track_id)
    seed = RecommendationSeed(
        user_id=call.user_id, track_id=start, purpose="path", limit=count, options={"to": end, "steps": count - 1},
    )
    answer = await first_answer(call.ctx, seed)
    if answer is None:
        return {"sonicMatch": []}
    path = [step.track_id for step in answer[1]]
    async with call.ctx.session() as session:
        vectors = await vectors_of(session, model, path)
        origin = vectors.get(start)
        scored = []
        for track_id in path:
            vector = vectors.get(track_id)
            if origin is None or vector is None:
                scored.append((track_id, -1.0))  # the spec's "not known"
                continue
            cosine = float(origin @ vector / ((origin @ origin) ** 0.5 * (vector @ vector) ** 0.5 or 1.0))
            scored.append((track_id, similarity(1.0 - cosine)))
        return {"sonicMatch": await _matches(session, call.user_id, scored)}
