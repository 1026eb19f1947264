"""The sonicSimilarity extension: similar songs and sonic paths from the core's sound similarity,
each with a similarity from 0 to 1 (1.0 the same recording), as OpenSubsonic's sonicMatch."""

from __future__ import annotations

import numpy as np
from sonantica_subsonic import ids
from sqlalchemy import select

from sonantica_core.db.embeddings import write_embedding
from sonantica_core.db.library import Track

MODEL = "sonic-descriptor"  # SIMILARITY_MODEL's default


async def _vectors(sonic_library, count: int = 5) -> list[int]:
    """Give the first ``count`` songs vectors along an arc: each next one a little further from the first."""
    async with sonic_library.ctx.session() as session:
        track_ids = list((await session.execute(select(Track.id).order_by(Track.id).limit(count))).scalars())
        for step, track_id in enumerate(track_ids):
            angle = step * np.pi / 8
            vector = np.array([np.cos(angle), np.sin(angle), 0.0, 0.0], dtype=np.float32)
            await write_embedding(session, track_id, "tests", MODEL, vector)
    return track_ids


async def test_sonic_similar_tracks_are_nearest_first_with_their_similarity(sonic_library) -> None:
    track_ids = await _vectors(sonic_library)
    extensions = await sonic_library.call("getOpenSubsonicExtensions")
    assert {"name": "sonicSimilarity", "versions": [1]} in extensions["openSubsonicExtensions"]
    body = await sonic_library.call("getSonicSimilarTracks", id=ids.make(ids.SONG, track_ids[0]), count="3")
    matches = body["sonicMatch"]
    assert [m["entry"]["id"] for m in matches] == [ids.make(ids.SONG, t) for t in track_ids[1:4]]
    expected = [1 - (1 - np.cos(step * np.pi / 8)) / 2 for step in (1, 2, 3)]
    assert [m["similarity"] for m in matches] == [round(float(e), 6) for e in expected]
    assert all(m["entry"]["title"] for m in matches)


async def test_a_song_without_a_vector_has_no_matches_and_a_wrong_id_is_not_found(sonic_library) -> None:
    track_ids = await _vectors(sonic_library, count=2)
    async with sonic_library.ctx.session() as session:
        unanalysed = await session.scalar(select(Track.id).where(Track.id.not_in(track_ids)).limit(1))
    assert (await sonic_library.call("getSonicSimilarTracks", id=ids.make(ids.SONG, unanalysed)))["sonicMatch"] == []
    missing = await sonic_library.call("getSonicSimilarTracks", id="tr-999999")
    assert missing["status"] == "failed" and missing["error"]["code"] == 70


async def test_a_sonic_path_starts_and_ends_where_asked(sonic_library) -> None:
    track_ids = await _vectors(sonic_library)
    body = await sonic_library.call(
        "findSonicPath",
        startSongId=ids.make(ids.SONG, track_ids[0]), endSongId=ids.make(ids.SONG, track_ids[4]), count="5",
    )
    path = [m["entry"]["id"] for m in body["sonicMatch"]]
    assert path[0] == ids.make(ids.SONG, track_ids[0]) and path[-1] == ids.make(ids.SONG, track_ids[4])
    assert len(path) <= 5 and len(set(path)) == len(path)
    similarities = [m["similarity"] for m in body["sonicMatch"]]
    assert similarities[0] == 1.0
    assert similarities == sorted(similarities, reverse=True)  # each step further from the start
