"""What plugins may read about a track, as the contract's :class:`TrackRef`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from sonantica_core.contract import TrackRef
from sonantica_core.db.library import Album, Track

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


async def track_ref(ctx: CoreContext, track_id: int) -> TrackRef | None:
    """The track ``track_id`` as providers receive it, or None if there is no such (present) track."""
    query = (
        select(Track, Album.title, Album.album_artist, Album.musicbrainz_release_id)
        .outerjoin(Album, Album.id == Track.album_id)
        .where(Track.id == track_id, Track.removed_at.is_(None))
    )
    async with ctx.session() as session:
        row = (await session.execute(query)).first()
    if row is None:
        return None
    track, album_title, album_artist, release_id = row
    root = ctx.settings.root(track.root)
    return TrackRef(
        id=track.id,
        title=track.title,
        artist=track.artist,
        album=album_title,
        album_artist=album_artist,
        duration=track.duration,
        isrc=track.isrc,
        musicbrainz_recording_id=track.musicbrainz_recording_id,
        musicbrainz_release_id=release_id,
        path=root.path / track.relative_path if root is not None else None,
    )
