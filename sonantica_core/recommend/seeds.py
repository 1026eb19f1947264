"""Tracks that stand for a seed: an album's, an artist's, a playlist's or a smart playlist's.

Only what the user may see: their own playlists and public ones, their own smart playlists.
At most :data:`MAX_SEED_TRACKS` tracks stand for one seed (the first in its own order).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.library import Track, TrackArtist
from sonantica_core.db.playback import Playlist, PlaylistTrack
from sonantica_core.db.userdata import SmartPlaylist
from sonantica_core.library import smartlists

#: Tracks taken from one album, artist or playlist.
MAX_SEED_TRACKS = 200
SEED_KINDS = ("track", "album", "artist", "playlist", "smart_playlist")

_PRESENT = Track.removed_at.is_(None)


async def seed_tracks(
    conn: AsyncConnection, kind: str, item_id: int, user_id: int, *, similarity_model: str | None = None
) -> list[int]:
    """The present tracks that stand for ``kind`` ``item_id`` (empty: nothing the user may use)."""
    if kind == "track":
        query = select(Track.id).where(Track.id == item_id, _PRESENT)
    elif kind == "album":
        query = select(Track.id).where(Track.album_id == item_id, _PRESENT).order_by(
            Track.disc_number.nulls_last(), Track.track_number.nulls_last(), Track.id
        )
    elif kind == "artist":
        query = (
            select(Track.id).join(TrackArtist, TrackArtist.track_id == Track.id)
            .where(TrackArtist.artist_id == item_id, TrackArtist.role == "artist", _PRESENT)
            .order_by(Track.id)
        )
    elif kind == "playlist":
        visible = select(Playlist.id).where(
            Playlist.id == item_id, or_(Playlist.user_id == user_id, Playlist.public.is_(True))
        )
        query = (
            select(PlaylistTrack.track_id).join(Track, Track.id == PlaylistTrack.track_id)
            .where(PlaylistTrack.playlist_id.in_(visible), _PRESENT).order_by(PlaylistTrack.position)
        )
    elif kind == "smart_playlist":
        row = (
            await conn.execute(
                select(SmartPlaylist.__table__).where(SmartPlaylist.id == item_id, SmartPlaylist.user_id == user_id)
            )
        ).first()
        if row is None:
            return []
        definition = smartlists.Definition(
            user_id=user_id, rules=row.rules, sort=row.sort, order=row.sort_order, limit=row.track_limit,
            default_model=similarity_model,
        )
        return await smartlists.track_ids(conn, definition, limit=MAX_SEED_TRACKS)
    else:
        raise ValueError(f"a seed is one of {', '.join(SEED_KINDS)}, not {kind!r}")
    rows = await conn.execute(query.limit(MAX_SEED_TRACKS))
    return list(dict.fromkeys(row[0] for row in rows))
