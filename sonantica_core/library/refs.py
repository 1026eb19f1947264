"""What providers are told about tracks: :class:`~sonantica_core.contract.TrackRef` from the library."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sonantica_core.contract import TrackRef
from sonantica_core.db.library import Album, Track
from sonantica_core.media.storage import MediaPathError, media_storage


@dataclass(frozen=True, slots=True)
class TrackFacts:
    """A track as providers see it, and when its row last changed (the version of what was read from it)."""

    ref: TrackRef
    album_id: int | None
    updated_at: dt.datetime
    #: The lyrics the scanner read from the file's tags (plain text or LRC), if any.
    tag_lyrics: str | None = None


def _columns() -> tuple[Any, ...]:
    return (
        Track.id, Track.title, Track.artist, Track.duration, Track.isrc, Track.musicbrainz_recording_id,
        Track.root, Track.relative_path, Track.album_id, Track.updated_at, Track.lyrics,
        Album.title.label("album_title"), Album.album_artist, Album.musicbrainz_release_id,
    )


def _facts(ctx: Any, row: Any) -> TrackFacts:
    path: Path | None
    try:
        path = Path(media_storage(ctx).real_path(row.root, row.relative_path))
    except MediaPathError:
        path = None  # missing or refused: providers that read files find nothing
    ref = TrackRef(
        id=row.id, title=row.title, artist=row.artist, album=row.album_title, album_artist=row.album_artist,
        duration=row.duration, isrc=row.isrc, musicbrainz_recording_id=row.musicbrainz_recording_id,
        musicbrainz_release_id=row.musicbrainz_release_id, path=path,
    )
    return TrackFacts(ref, row.album_id, row.updated_at, row.lyrics)


async def track_facts(ctx: Any, track_id: int) -> TrackFacts | None:
    """The present track ``track_id`` as a :class:`TrackRef` (with its file's path), or None."""
    query = (
        select(*_columns()).outerjoin(Album, Album.id == Track.album_id)
        .where(Track.id == track_id, Track.removed_at.is_(None))
    )
    async with ctx.session() as session:
        row = (await session.execute(query)).first()
    return _facts(ctx, row) if row is not None else None


async def album_track_facts(ctx: Any, album_id: int) -> list[TrackFacts]:
    """The album's present tracks in disc and track order."""
    query = (
        select(*_columns()).join(Album, Album.id == Track.album_id)
        .where(Track.album_id == album_id, Track.removed_at.is_(None))
        .order_by(Track.disc_number.nulls_first(), Track.track_number.nulls_last(), Track.id)
    )
    async with ctx.session() as session:
        rows = (await session.execute(query)).all()
    return [_facts(ctx, row) for row in rows]
