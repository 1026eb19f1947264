"""The library's rows as Subsonic objects: ``Child`` (a song), ``AlbumID3``, ``ArtistID3``.

Each list is built with a fixed number of queries whatever its length: the rows, then their
genres, artists, stars, ratings and play counts for all of them at once.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.db.analysis import TrackAudioFeatures
from sonantica_core.db.library import Album, Artist, Genre, Track, TrackArtist, TrackGenre
from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.streaming.media_types import content_type_for
from sonantica_subsonic import ids
from sonantica_subsonic.tables import ratings, stars


def iso(value: dt.datetime | None) -> str | None:
    """Subsonic's timestamps: ISO 8601 in UTC with a ``Z``."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def song_select() -> Select[Any]:
    """Present tracks with their album and analysis, ready for :func:`songs`."""
    return (
        select(Track, Album.title.label("album_title"), Album.album_artist_id, Album.compilation, TrackAudioFeatures)
        .outerjoin(Album, Album.id == Track.album_id)
        .outerjoin(TrackAudioFeatures, TrackAudioFeatures.track_id == Track.id)
        .where(Track.removed_at.is_(None))
    )


async def _user_marks(
    session: AsyncSession, user_id: int, kind: str, item_ids: Sequence[int]
) -> tuple[dict[int, dt.datetime], dict[int, int]]:
    if not item_ids:
        return {}, {}
    starred = dict(
        (
            await session.execute(
                select(stars.c.item_id, stars.c.starred_at).where(
                    stars.c.user_id == user_id, stars.c.kind == kind, stars.c.item_id.in_(item_ids)
                )
            )
        ).all()
    )
    rated = dict(
        (
            await session.execute(
                select(ratings.c.item_id, ratings.c.rating).where(
                    ratings.c.user_id == user_id, ratings.c.kind == kind, ratings.c.item_id.in_(item_ids)
                )
            )
        ).all()
    )
    return starred, rated


async def _genres_of(session: AsyncSession, track_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if track_ids:
        rows = await session.execute(
            select(TrackGenre.track_id, Genre.name)
            .join(Genre, Genre.id == TrackGenre.genre_id)
            .where(TrackGenre.track_id.in_(track_ids))
            .order_by(TrackGenre.track_id, TrackGenre.position)
        )
        for track_id, name in rows:
            found[track_id].append(name)
    return found


async def _artists_of(session: AsyncSession, track_ids: Sequence[int]) -> dict[int, list[tuple[str, int, str]]]:
    found: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    if track_ids:
        rows = await session.execute(
            select(TrackArtist.track_id, TrackArtist.role, Artist.id, Artist.name)
            .join(Artist, Artist.id == TrackArtist.artist_id)
            .where(TrackArtist.track_id.in_(track_ids))
            .order_by(TrackArtist.track_id, TrackArtist.role, TrackArtist.position)
        )
        for track_id, role, artist_id, name in rows:
            found[track_id].append((role, artist_id, name))
    return found


async def _play_counts(session: AsyncSession, user_id: int, track_ids: Sequence[int]) -> dict[int, tuple[int, Any]]:
    if not track_ids:
        return {}
    rows = await session.execute(
        select(PlaybackHistory.track_id, func.count(), func.max(PlaybackHistory.played_at))
        .where(PlaybackHistory.user_id == user_id, PlaybackHistory.track_id.in_(track_ids))
        .group_by(PlaybackHistory.track_id)
    )
    return {track_id: (count, last) for track_id, count, last in rows}


def _replay_gain(track: Track, features: TrackAudioFeatures | None) -> dict[str, float] | None:
    values = {
        "trackGain": features.replaygain_track_gain if features else None,
        "trackPeak": features.replaygain_track_peak if features else None,
        "albumGain": features.replaygain_album_gain if features else None,
        "albumPeak": features.replaygain_album_peak if features else None,
    }
    fallback = {
        "trackGain": track.tag_track_gain,
        "trackPeak": track.tag_track_peak,
        "albumGain": track.tag_album_gain,
        "albumPeak": track.tag_album_peak,
    }
    merged = {
        k: round(float(v if v is not None else fallback[k]), 4)
        for k, v in values.items()
        if v is not None or fallback[k] is not None
    }
    return merged or None


async def songs(session: AsyncSession, user_id: int, rows: Iterable[Any]) -> list[dict[str, Any]]:
    """``Child`` objects of rows from :func:`song_select` (in their order)."""
    rows = list(rows)
    track_ids = [row.Track.id for row in rows]
    genres = await _genres_of(session, track_ids)
    artists = await _artists_of(session, track_ids)
    starred, rated = await _user_marks(session, user_id, ids.SONG, track_ids)
    plays = await _play_counts(session, user_id, track_ids)
    return [
        song(row, genres.get(row.Track.id, []), artists.get(row.Track.id, []), starred, rated, plays) for row in rows
    ]


def song(
    row: Any,
    genres: list[str],
    credits: list[tuple[str, int, str]],
    starred: dict[int, Any],
    rated: dict[int, int],
    plays: dict[int, tuple[int, Any]],
) -> dict[str, Any]:
    """One ``Child``."""
    track: Track = row.Track
    features: TrackAudioFeatures | None = row.TrackAudioFeatures
    file_name = posixpath.basename(track.relative_path)
    suffix = posixpath.splitext(file_name)[1][1:].lower() or (track.container or "")
    performers = [{"id": ids.make(ids.ARTIST, a), "name": n} for role, a, n in credits if role == "artist"]
    composers = [{"id": ids.make(ids.ARTIST, a), "name": n} for role, a, n in credits if role == "composer"]
    played = plays.get(track.id)
    child: dict[str, Any] = {
        "id": ids.make(ids.SONG, track.id),
        "parent": ids.make(ids.ALBUM, track.album_id) if track.album_id else None,
        "isDir": False,
        "title": track.title,
        "album": row.album_title,
        "artist": track.artist,
        "track": track.track_number,
        "year": track.year,
        "genre": genres[0] if genres else None,
        "coverArt": ids.make(ids.ALBUM, track.album_id) if track.album_id else ids.make(ids.SONG, track.id),
        "size": track.size,
        "contentType": content_type_for(file_name),
        "suffix": suffix,
        "duration": round(track.duration) if track.duration is not None else None,
        "bitRate": round(track.bitrate / 1000) if track.bitrate else None,
        "bitDepth": track.bit_depth,
        "samplingRate": track.sample_rate,
        "channelCount": track.channels,
        "path": f"{track.root}/{track.relative_path}",
        "isVideo": False,
        "userRating": rated.get(track.id),
        "playCount": played[0] if played else 0,
        "played": iso(played[1]) if played else None,
        "discNumber": track.disc_number,
        "created": iso(track.added_at),
        "starred": iso(starred.get(track.id)),
        "albumId": ids.make(ids.ALBUM, track.album_id) if track.album_id else None,
        "artistId": performers[0]["id"] if performers else None,
        "type": "music",
        "mediaType": "song",
        "bpm": round(features.bpm) if features and features.bpm else 0,
        "comment": "",
        "sortName": "",
        "musicBrainzId": track.musicbrainz_recording_id or "",
        "isrc": [track.isrc] if track.isrc else [],
        "genres": [{"name": g} for g in genres],
        "artists": performers,
        "displayArtist": track.artist or "",
        "albumArtists": [],
        "displayAlbumArtist": "",
        "contributors": [{"role": "composer", "artist": c} for c in composers],
        "displayComposer": track.composer or "",
        "moods": [],
        "explicitStatus": "",
    }
    gain = _replay_gain(track, features)
    if gain:
        child["replayGain"] = gain
    return {k: v for k, v in child.items() if v is not None}


#: One present track of the album row, if any: a probe of the tracks' album index per album, so
#: listing (and skipping past) albums never counts their tracks.
_ANY_TRACK = (
    select(literal(1).label("present"))
    .where(Track.album_id == Album.id, Track.removed_at.is_(None))
    .limit(1)
    .lateral("any_track")
)


def album_select() -> Select[Any]:
    """Albums with present tracks, ready for :func:`albums` (which adds their totals)."""
    return select(Album).join(_ANY_TRACK, true())


async def _album_totals(session: AsyncSession, album_ids: Sequence[int]) -> dict[int, Any]:
    """Per album of the page: its present tracks' count, length, newest addition and earliest year."""
    if not album_ids:
        return {}
    rows = await session.execute(
        select(
            Track.album_id,
            func.count().label("song_count"),
            func.coalesce(func.sum(Track.duration), 0).label("duration"),
            func.max(Track.added_at).label("created"),
            func.min(Track.year).label("first_year"),
        )
        .where(Track.album_id.in_(album_ids), Track.removed_at.is_(None))
        .group_by(Track.album_id)
    )
    return {row.album_id: row for row in rows}


async def albums(session: AsyncSession, user_id: int, rows: Iterable[Any]) -> list[dict[str, Any]]:
    """``AlbumID3`` objects of rows from :func:`album_select`."""
    rows = list(rows)
    album_ids = [row.Album.id for row in rows]
    totals = await _album_totals(session, album_ids)
    starred, rated = await _user_marks(session, user_id, ids.ALBUM, album_ids)
    genre_rows = []
    if album_ids:
        genre_rows = (
            await session.execute(
                select(Track.album_id, Genre.name)
                .join(TrackGenre, TrackGenre.track_id == Track.id)
                .join(Genre, Genre.id == TrackGenre.genre_id)
                .where(Track.album_id.in_(album_ids), Track.removed_at.is_(None))
                .group_by(Track.album_id, Genre.name)
                .order_by(Track.album_id, func.min(TrackGenre.position), Genre.name)
            )
        ).all()
    genres: dict[int, list[str]] = defaultdict(list)
    for album_id, name in genre_rows:
        genres[album_id].append(name)
    return [
        album(row.Album, totals[row.Album.id], genres.get(row.Album.id, []), starred, rated)
        for row in rows
        if row.Album.id in totals  # its last track went between the two queries
    ]


def album(a: Album, totals: Any, genres: list[str], starred: dict[int, Any], rated: dict[int, int]) -> dict[str, Any]:
    """One ``AlbumID3``."""
    year = a.year or totals.first_year
    artist_id = ids.make(ids.ARTIST, a.album_artist_id) if a.album_artist_id else None
    value: dict[str, Any] = {
        "id": ids.make(ids.ALBUM, a.id),
        "name": a.title,
        "artist": a.album_artist or ("Various Artists" if a.compilation else None),
        "artistId": artist_id,
        "coverArt": ids.make(ids.ALBUM, a.id),
        "songCount": int(totals.song_count),
        "duration": round(float(totals.duration)),
        "created": iso(totals.created or a.created_at),
        "starred": iso(starred.get(a.id)),
        "userRating": rated.get(a.id),
        "year": year,
        "genre": genres[0] if genres else None,
        "musicBrainzId": a.musicbrainz_release_id or "",
        "genres": [{"name": g} for g in genres],
        "artists": [{"id": artist_id, "name": a.album_artist}] if artist_id and a.album_artist else [],
        "displayArtist": a.album_artist or "",
        "releaseTypes": [],
        "moods": [],
        "sortName": "",
        "isCompilation": bool(a.compilation),
        "recordLabels": [],
        "discTitles": [],
    }
    if year:
        value["originalReleaseDate"] = {"year": year}
    return {k: v for k, v in value.items() if v is not None}


def artist_album_counts() -> Any:
    """Per album artist, how many of their albums have present tracks."""
    return (
        select(Album.album_artist_id.label("artist_id"), func.count().label("album_count"))
        .join(_ANY_TRACK, true())
        .where(Album.album_artist_id.is_not(None))
        .group_by(Album.album_artist_id)
        .subquery("artist_albums")
    )


def artist(artist_row: Artist, album_count: int, starred: dict[int, Any], rated: dict[int, int]) -> dict[str, Any]:
    """One ``ArtistID3``."""
    value = {
        "id": ids.make(ids.ARTIST, artist_row.id),
        "name": artist_row.name,
        "coverArt": ids.make(ids.ARTIST, artist_row.id),
        "albumCount": album_count,
        "starred": iso(starred.get(artist_row.id)),
        "userRating": rated.get(artist_row.id),
        "musicBrainzId": artist_row.musicbrainz_id or "",
        "sortName": artist_row.sort_name or "",
        "roles": ["albumartist"] if album_count else ["artist"],
    }
    return {k: v for k, v in value.items() if v is not None}


async def artists(session: AsyncSession, user_id: int, rows: Iterable[Any]) -> list[dict[str, Any]]:
    """``ArtistID3`` objects of ``(Artist, album_count)`` rows."""
    rows = list(rows)
    starred, rated = await _user_marks(session, user_id, ids.ARTIST, [r[0].id for r in rows])
    out = []
    for r in rows:
        value = artist(r[0], int(r[1] or 0), starred, rated)
        value.pop("userRating", None)  # not in ArtistID3
        out.append(value)
    return out


def folder_artist(artist_value: dict[str, Any]) -> dict[str, Any]:
    """An ``ArtistID3`` as the folder-based calls' ``Artist`` (getIndexes, getStarred, search2 …)."""
    return {k: artist_value[k] for k in ("id", "name", "starred") if k in artist_value}


def album_as_child(album_value: dict[str, Any], parent: str | None = None) -> dict[str, Any]:
    """An ``AlbumID3`` as the folder-based calls' directory ``Child`` (getAlbumList, getMusicDirectory …)."""
    child = {
        "id": album_value["id"],
        "parent": parent or album_value.get("artistId"),
        "isDir": True,
        "title": album_value["name"],
        "album": album_value["name"],
        "artist": album_value.get("artist"),
        "year": album_value.get("year"),
        "coverArt": album_value["coverArt"],
        "created": album_value["created"],
        "starred": album_value.get("starred"),
        "mediaType": "album",
        "type": "music",
    }
    return {k: v for k, v in child.items() if v is not None}
