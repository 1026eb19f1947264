"""The API's JSON for library items: stable ids, links, seconds, technical details.

Every item carries ``links``: where to fetch it, its cover, and for tracks the
stream and the waveform. Cover links carry ``v`` (the start of the image's hash), so
the URL changes when the image does and caches may keep it forever.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sonantica_core.text.musickeys import describe

API = "/api"
COVER_VERSION_LENGTH = 12


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def finite(value: float | None) -> float | None:
    """A float JSON can carry: None for NaN and infinities (silence measures -inf LUFS)."""
    return value if value is None or math.isfinite(value) else None


def seconds(value: float | None) -> float | None:
    value = finite(value)
    return round(value, 3) if value is not None else None


def cover_url(path: str, cover_hash: str | None) -> str:
    return f"{API}/covers/{path}?v={cover_hash[:COVER_VERSION_LENGTH]}" if cover_hash else f"{API}/covers/{path}"


def track_links(track_id: int, album_id: int | None, cover_hash: str | None) -> dict[str, str | None]:
    return {
        "self": f"{API}/library/tracks/{track_id}",
        "stream": f"{API}/stream/{track_id}",
        "cover": cover_url(f"track/{track_id}", cover_hash),
        "waveform": f"{API}/tracks/{track_id}/waveform",
        "album": f"{API}/library/albums/{album_id}" if album_id is not None else None,
    }


def album_links(album_id: int, artist_id: int | None, cover_hash: str | None) -> dict[str, str | None]:
    return {
        "self": f"{API}/library/albums/{album_id}",
        "cover": cover_url(str(album_id), cover_hash),
        "tracks": f"{API}/library/tracks?album={album_id}&sort=album",
        "artist": f"{API}/library/artists/{artist_id}" if artist_id is not None else None,
    }


def artist_links(artist_id: int) -> dict[str, str]:
    return {
        "self": f"{API}/library/artists/{artist_id}",
        "tracks": f"{API}/library/tracks?artist={artist_id}&sort=album",
        "albums": f"{API}/library/albums?artist={artist_id}&sort=year",
    }


def genre_links(genre_id: int) -> dict[str, str]:
    return {
        "tracks": f"{API}/library/tracks?genre={genre_id}",
        "albums": f"{API}/library/albums?genre={genre_id}",
    }


def audio(row: Any) -> dict[str, Any]:
    return {
        "container": row.container,
        "codec": row.codec,
        "sample_rate": row.sample_rate,
        "bit_depth": row.bit_depth,
        "channels": row.channels,
        "bitrate": row.bitrate,
        "lossless": row.lossless,
        "size": row.size,
    }


def analysis(row: Any) -> dict[str, Any] | None:
    """The headline analysis of a track (list items), or None when it was never analysed."""
    if row.analyzed_at is None:
        return None
    return {
        "bpm": finite(row.bpm),
        "key": describe(row.camelot_key) if _camelot(row.camelot_key) else _key_name(row.key, row.mode),
        "camelot_key": row.camelot_key if _camelot(row.camelot_key) else None,
        "loudness_lufs": finite(row.loudness_lufs),
        "replaygain_track_gain": finite(row.replaygain_track_gain),
    }


def _camelot(value: str | None) -> bool:
    if not value or value[-1:] not in ("A", "B") or not value[:-1].isdigit():
        return False
    return 1 <= int(value[:-1]) <= 12


def _key_name(key: str | None, mode: str | None) -> str | None:
    return f"{key} {mode}" if key and mode else key


def track_item(row: Any) -> dict[str, Any]:
    """A track as listings show it."""
    return {
        "id": row.id,
        "title": row.title,
        "artist": row.artist,
        "artists": row.credits or [],
        "album": {"id": row.album_id, "title": row.album_title} if row.album_id is not None else None,
        "album_artist": row.album_artist,
        "track_number": row.track_number,
        "disc_number": row.disc_number,
        "year": row.year,
        "genres": row.genres or [],
        "duration": seconds(row.duration),
        "added_at": iso(row.added_at),
        "audio": audio(row),
        "analysis": analysis(row),
        "links": track_links(row.id, row.album_id, row.cover_hash),
    }


def album_item(row: Any) -> dict[str, Any]:
    """An album as listings show it."""
    return {
        "id": row.id,
        "title": row.title,
        "artist": row.album_artist,
        "artists": row.artists or [],
        "compilation": row.compilation,
        "year": row.year,
        "date": row.date,
        "disc_total": row.disc_total,
        "track_count": row.track_count or 0,
        "duration": seconds(row.duration) or 0.0,
        "lossless": bool(row.lossless),
        "added_at": iso(row.created_at),
        "links": album_links(row.id, row.album_artist_id, row.cover_hash),
    }


def artist_item(row: Any) -> dict[str, Any]:
    """An artist as listings show it."""
    return {
        "id": row.id,
        "name": row.name,
        "sort_name": row.sort_name,
        "musicbrainz_id": row.musicbrainz_id,
        "album_count": row.album_count or 0,
        "track_count": row.track_count or 0,
        "links": artist_links(row.id),
    }


def genre_item(genre_id: int, name: str, track_count: int, album_count: int) -> dict[str, Any]:
    return {
        "id": genre_id,
        "name": name,
        "track_count": track_count,
        "album_count": album_count,
        "links": genre_links(genre_id),
    }
