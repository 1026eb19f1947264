"""A scan gives each album the cover of its first track that has one (embedded or a folder image)."""

from __future__ import annotations

from sqlalchemy import select

from sonantica_core.db.library import Album, Track
from sonantica_core.scanning.scan import run_scan


async def test_albums_get_their_first_tracks_cover(scan_ctx, scanners) -> None:
    await run_scan(scan_ctx, scanners)
    async with scan_ctx.session() as session:
        tracks = (await session.execute(
            select(Track.album_id, Track.cover_hash)
            .where(Track.album_id.is_not(None), Track.removed_at.is_(None), Track.cover_hash.is_not(None))
            .order_by(Track.album_id, Track.disc_number.nulls_first(), Track.track_number.nulls_last(), Track.id)
        )).all()
        expected: dict[int, str] = {}
        for album_id, cover_hash in tracks:
            expected.setdefault(album_id, cover_hash)
        albums = dict((await session.execute(select(Album.id, Album.cover_hash))).all())
    assert expected, "the generated library has covers"
    assert {album_id: albums[album_id] for album_id in expected} == expected
    assert all(albums[a] is None for a in albums if a not in expected)
