"""A MusicBrainz release as the values Sonántica keeps about an album, its tracks and its artist."""

from __future__ import annotations

from typing import Any

from sonantica_core.contract import AlbumRef, MetadataValue
from sonantica_musicbrainz.matching import release_tracks

SOURCE = "musicbrainz"


def release_values(
    album: AlbumRef, release: dict[str, Any], genres: list[str], *, candidate: bool, score: float | None
) -> list[MetadataValue]:
    """Album facts (date, country, label, type, status, genres, ids), artist sort name and type, track ids."""

    def value(entity: str, entity_id: int, key: str, text: Any) -> MetadataValue | None:
        if text in (None, "", []):
            return None
        return MetadataValue(entity, entity_id, key, str(text), SOURCE, candidate=candidate,  # type: ignore[arg-type]
                             score=score)

    group = release.get("release-group") or {}
    labels = [info.get("label", {}).get("name") for info in release.get("label-info-list") or []]
    tags = [tag.get("name") for tag in release.get("tag-list") or [] if tag.get("name")]
    found = [
        value("album", album.id, "musicbrainz_release_id", release.get("id")),
        value("album", album.id, "musicbrainz_release_group_id", group.get("id")),
        value("album", album.id, "date", release.get("date")),
        value("album", album.id, "country", release.get("country")),
        value("album", album.id, "status", release.get("status")),
        value("album", album.id, "release_type", group.get("primary-type") or group.get("type")),
        value("album", album.id, "label", ", ".join(name for name in labels if name)),
        value("album", album.id, "barcode", release.get("barcode")),
        value("album", album.id, "genres", ", ".join(genres or tags)),
        value("album", album.id, "title", release.get("title")),
    ]
    credits = [credit for credit in release.get("artist-credit") or [] if isinstance(credit, dict)]
    if album.album_artist_id is not None and credits:
        artist = credits[0].get("artist") or {}
        found += [
            value("artist", album.album_artist_id, "sort_name", artist.get("sort-name")),
            value("artist", album.album_artist_id, "artist_type", artist.get("type")),
            value("artist", album.album_artist_id, "musicbrainz_artist_id", artist.get("id")),
        ]
    label = ", ".join(name for name in labels if name)
    for ours, theirs in zip(album.tracks, release_tracks(release), strict=False):
        recording = theirs.get("recording") or {}
        found += [
            value("track", ours.id, "musicbrainz_recording_id", recording.get("id")),
            value("track", ours.id, "musicbrainz_track_id", theirs.get("id")),
            value("track", ours.id, "label", label),
        ]
    return [item for item in found if item is not None]
