"""Scan results in the form the ingest writes, made where the file was read.

The reader processes turn each :class:`ScannedFile` into a :class:`TrackRecord`: the
``tracks`` columns, the artist, album and genre rows the track needs and its links, all
folded and keyed, with the cover already stored. The main process then only resolves ids
and writes. Plain tuples also cross process boundaries far more cheaply than the nested
frozen dataclasses of the contract, and cover bytes never travel at all.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from typing import NamedTuple

from sonantica_core.contract import CoverArt, ScannedFile, TagInfo
from sonantica_core.scanning import grouping
from sonantica_core.scanning.grouping import fold
from sonantica_core.text.tsvector import weighted_vector

log = logging.getLogger("sonantica.scan")

#: ``tracks`` columns of :attr:`TrackRecord.values`, in order. The ingest adds ``id``,
#: ``album_id``, ``sort_album`` and ``cover_hash``.
TRACK_COLUMNS: tuple[str, ...] = (
    "root",
    "relative_path",
    "size",
    "mtime_ns",
    "content_hash",
    "container",
    "codec",
    "sample_rate",
    "bit_depth",
    "channels",
    "bitrate",
    "duration",
    "lossless",
    "title",
    "title_folded",
    "artist",
    "track_number",
    "track_total",
    "disc_number",
    "disc_total",
    "date",
    "original_date",
    "year",
    "composer",
    "label",
    "isrc",
    "musicbrainz_track_id",
    "musicbrainz_recording_id",
    "lyrics",
    "tag_track_gain",
    "tag_track_peak",
    "tag_album_gain",
    "tag_album_peak",
    "tags_guessed",
    "sort_artist",
    "search_vector",
)

#: An ``artists`` row: (key, name, name_folded, musicbrainz_id).
ArtistRow = tuple[str, str, str, str | None]
#: An ``albums`` row: (key, title, title_folded, album_artist, album artist's key, compilation,
#: year, date, original_date, disc_total, musicbrainz_release_id, musicbrainz_release_group_id).
AlbumRow = tuple[str, str, str, str | None, str | None, bool, int | None, str | None, str | None, int | None,
                 str | None, str | None]


class TrackRecord(NamedTuple):
    """One good file, ready to write."""

    root: str
    relative_path: str
    audio_hash: str
    #: Values of :data:`TRACK_COLUMNS`.
    values: tuple[object, ...]
    album: AlbumRow | None
    #: Every artist the track or its album names (track artists, album artists, composers).
    artists: tuple[ArtistRow, ...]
    #: ``track_artists`` links: (artist key, role, position).
    track_artists: tuple[tuple[str, str, int], ...]
    #: ``album_artists`` links: (artist key, position).
    album_artists: tuple[tuple[str, int], ...]
    #: (name_folded, name), in the file's order, one per folded name.
    genres: tuple[tuple[str, str], ...]
    #: ``track_metadata`` rows from the tags: (key, value).
    extras: tuple[tuple[str, str], ...]
    cover_hash: str | None


def year_of(tags_year: int | None, date: str | None) -> int | None:
    if tags_year and 0 < tags_year < 10000:
        return tags_year
    if date and date[:4].isdigit():
        return int(date[:4])
    return None


def small(value: int | None) -> int | None:
    """``value`` if it fits a SMALLINT column, else None."""
    return value if value is not None and -32768 <= value <= 32767 else None


def integer(value: int | None) -> int | None:
    """``value`` if it fits an INTEGER column, else None."""
    return value if value is not None and -(2**31) <= value < 2**31 else None


def track_row(scanned: ScannedFile) -> tuple[object, ...]:
    """The values of :data:`TRACK_COLUMNS` for a scanned file."""
    tags, tech = scanned.tags, scanned.technical
    title = tags.title or scanned.relative_path.rsplit("/", 1)[-1]
    title_folded = fold(title)
    artist = tags.artist or ("; ".join(tags.artists) if tags.artists else None)
    artist_folded = fold(artist) if artist is not None else None
    composer = "; ".join(tags.composers) or None
    rg = tags.replaygain
    return (
        scanned.root,
        scanned.relative_path,
        scanned.size,
        scanned.mtime_ns,
        scanned.audio_hash,
        tech.container[:16] if tech.container else None,
        tech.codec[:16] if tech.codec else None,
        integer(tech.sample_rate),
        small(tech.bit_depth),
        small(tech.channels),
        integer(tech.bitrate),
        tech.duration,
        tech.lossless,
        title,
        title_folded,
        artist,
        small(tags.track_number),
        small(tags.track_total),
        small(tags.disc_number),
        small(tags.disc_total),
        tags.date[:32] if tags.date else None,
        tags.original_date[:32] if tags.original_date else None,
        small(year_of(tags.year, tags.date or tags.original_date)),
        composer,
        "; ".join(tags.labels) or None,
        tags.isrc[:16] if tags.isrc else None,
        tags.musicbrainz_track_id,
        tags.musicbrainz_recording_id,
        tags.lyrics,
        rg.track_gain,
        rg.track_peak,
        rg.album_gain,
        rg.album_peak,
        tags.guessed,
        artist_folded or "",
        weighted_vector(((title_folded, "A"), (artist_folded, "B"), (fold(composer) if composer else None, "B"))),
    )


def _named(names: list[str], mbids: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    """(key, name, musicbrainz id) of each name; ids count only when there is one per name."""
    if mbids and len(mbids) == len(names):
        return [(grouping.artist_key(name, mbid), name, mbid) for name, mbid in zip(names, mbids, strict=True)]
    return [(grouping.artist_key(name), name, None) for name in names]


def album_row(tags: TagInfo, key: str, album_artists: list[tuple[str, str, str | None]]) -> AlbumRow:
    date = tags.original_date or tags.date
    return (
        key,
        tags.album or "",
        fold(tags.album or ""),
        grouping.album_display_artist(tags),
        album_artists[0][0] if album_artists else None,
        tags.compilation,
        small(year_of(tags.year, date)),
        tags.date[:32] if tags.date else None,
        tags.original_date[:32] if tags.original_date else None,
        small(tags.disc_total),
        tags.musicbrainz_release_id,
        tags.musicbrainz_release_group_id,
    )


def make_record(scanned: ScannedFile, cover_hash: str | None) -> TrackRecord:
    """The :class:`TrackRecord` of a scanned file whose cover (if any) is stored as ``cover_hash``."""
    tags = scanned.tags
    performers = _named(grouping.track_artist_names(tags), tags.musicbrainz_artist_ids)
    album_artists = _named(grouping.album_artist_names(tags), tags.musicbrainz_album_artist_ids)
    composers = [(grouping.artist_key(name), name, None) for name in tags.composers]
    artists: dict[str, ArtistRow] = {}
    for named in (performers, album_artists, composers):
        for key, name, mbid in named:
            if key not in artists:
                artists[key] = (key, name, fold(name), mbid)
    # Two names folding alike are one artist, linked once (at the first one's position).
    links: dict[tuple[str, str], int] = {}
    for position, (key, _, _) in enumerate(performers):
        links.setdefault((key, "artist"), position)
    for position, (key, _, _) in enumerate(composers):
        links.setdefault((key, "composer"), position)
    album_key = grouping.album_key(tags)
    album = album_row(tags, album_key, album_artists) if album_key else None
    genres: dict[str, str] = {}
    for genre in tags.genres:
        genres.setdefault(fold(genre), genre)
    return TrackRecord(
        scanned.root,
        scanned.relative_path,
        scanned.audio_hash,
        track_row(scanned),
        album,
        tuple(artists.values()),
        tuple([(key, role, position) for (key, role), position in links.items()]),
        tuple([(key, position) for position, (key, _, _) in enumerate(album_artists)]) if album else (),
        tuple(genres.items()),
        tuple([(key[:100], value) for key, value in tags.extra.items()]) if tags.extra else (),
        cover_hash,
    )


class CoverStore:
    """Stores covers as the files are read; remembers recent images, so an album's tracks
    pay for their shared cover once per process."""

    def __init__(self, storage: object, remember: int = 64) -> None:
        self.storage = storage
        self._recent: OrderedDict[str, str | None] = OrderedDict()
        self._remember = remember

    def store(self, scanned: ScannedFile) -> str | None:
        """The stored cover's hash, or None (no cover, or one that cannot be kept)."""
        cover: CoverArt | None = scanned.cover
        if cover is None or self.storage is None:
            return None
        key = hashlib.sha256(cover.data).hexdigest() + cover.mime_type
        if key in self._recent:
            self._recent.move_to_end(key)
            return self._recent[key]
        from sonantica_core.media.covers import store_original_cover

        try:
            digest: str | None = store_original_cover(self.storage, cover.data, cover.mime_type)  # type: ignore[arg-type]
        except Exception as exc:  # a broken image costs the cover, not the track
            log.warning("cover of %s/%s not kept: %s", scanned.root, scanned.relative_path, exc)
            digest = None
        self._recent[key] = digest
        while len(self._recent) > self._remember:
            self._recent.popitem(last=False)
        return digest
