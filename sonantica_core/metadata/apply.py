"""Values that the library itself shows: copied into albums and tracks under the tags-win rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select, update

from sonantica_core.contract import MetadataValue
from sonantica_core.db.analysis import TrackMetadata
from sonantica_core.db.library import Album, Track

#: Keys a provider may fill in the library: (entity, key) → the column.
ALBUM_COLUMNS = {
    "date": Album.date,
    "original_date": Album.original_date,
    "musicbrainz_release_id": Album.musicbrainz_release_id,
    "musicbrainz_release_group_id": Album.musicbrainz_release_group_id,
    "cover_hash": Album.cover_hash,
}
TRACK_COLUMNS = {"label": Track.label, "isrc": Track.isrc, "musicbrainz_recording_id": Track.musicbrainz_recording_id}


def _year(date: str) -> int | None:
    head = date[:4]
    return int(head) if head.isdigit() else None


async def apply_values(session: Any, values: Sequence[MetadataValue], overwrite: bool) -> None:
    """Write the values the library has columns for; without ``overwrite`` only where the column is empty."""
    for value in values:
        if value.candidate:
            continue
        if value.entity == "album" and value.key in ALBUM_COLUMNS:
            column, table_id = ALBUM_COLUMNS[value.key], Album.id
        elif value.entity == "track" and value.key in TRACK_COLUMNS:
            column, table_id = TRACK_COLUMNS[value.key], Track.id
        else:
            continue
        statement = update(column.class_).where(table_id == value.entity_id)
        if not overwrite:
            statement = statement.where((column.is_(None)) | (column == ""))
        changes: dict[Any, Any] = {column: value.value[: column.type.length or None] if hasattr(column.type, "length")
                                   else value.value}
        if value.entity == "album" and value.key == "date" and _year(value.value) is not None:
            changes[Album.year] = _year(value.value)
        await session.execute(statement.values(changes))


async def reapply_track_values(session: Any, sources: Sequence[str], overwrite: bool) -> None:
    """Copy stored provider values into tracks again (a scan rewrote the changed files' rows from their tags)."""
    if not sources:
        return
    for key, column in TRACK_COLUMNS.items():
        target = Track.__table__.c[column.key]
        stored = (
            select(TrackMetadata.value)
            .where(TrackMetadata.track_id == Track.id, TrackMetadata.key == key, TrackMetadata.source.in_(sources))
            .order_by(TrackMetadata.updated_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        has_value = exists().where(TrackMetadata.track_id == Track.id, TrackMetadata.key == key,
                                   TrackMetadata.source.in_(sources))
        statement = update(Track).where(has_value).values({target: stored})
        statement = statement.where(target.is_distinct_from(stored))
        if not overwrite:
            statement = statement.where((target.is_(None)) | (target == ""))
        await session.execute(statement)
