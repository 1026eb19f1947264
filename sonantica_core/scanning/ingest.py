"""Writing what the scanners read into the library, in batches.

Identity follows the audio: a new path whose audio hash equals that of a track
whose file disappeared (or was removed earlier) is the same track — moved,
renamed, retagged — and keeps its id, so its history, playlists and analysis
stay. A file that disappears for good leaves the library (``removed_at`` is set)
but its row and history remain; if the audio comes back, so does the track.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.contract import ScannedFile, ScanProblem
from sonantica_core.db.analysis import TrackAnalysis, TrackMetadata
from sonantica_core.db.library import (
    Album,
    AlbumArtist,
    Artist,
    Genre,
    ScanProblemRow,
    Track,
    TrackArtist,
    TrackGenre,
)
from sonantica_core.scanning import grouping
from sonantica_core.scanning.grouping import fold

log = logging.getLogger("sonantica.scan")


def _upsert(table: Any, key: list[str], set_: dict[str, Any]) -> Any:
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=key, set_={k: v(stmt) if callable(v) else v for k, v in set_.items()}
    )


_ARTIST_UPSERT = _upsert(Artist.__table__, ["key"], {"name": lambda s: s.excluded.name}).returning(
    Artist.__table__.c.key, Artist.__table__.c.id, sort_by_parameter_order=True
)
_ALBUM_UPSERT = _upsert(
    Album.__table__,
    ["key"],
    {
        "title": lambda s: s.excluded.title,
        "album_artist": lambda s: s.excluded.album_artist,
        "album_artist_id": lambda s: s.excluded.album_artist_id,
        "compilation": lambda s: s.excluded.compilation,
        "year": text("COALESCE(excluded.year, albums.year)"),
        "disc_total": text("GREATEST(excluded.disc_total, albums.disc_total)"),
        "updated_at": text("now()"),
    },
).returning(Album.__table__.c.key, Album.__table__.c.id, sort_by_parameter_order=True)
_GENRE_UPSERT = _upsert(Genre.__table__, ["name_folded"], {"name": text("genres.name")}).returning(
    Genre.__table__.c.name_folded, Genre.__table__.c.id, sort_by_parameter_order=True
)
_PROBLEM_UPSERT = _upsert(
    ScanProblemRow.__table__,
    ["root", "relative_path"],
    {"kind": lambda s: s.excluded.kind, "reason": lambda s: s.excluded.reason, "last_seen_at": text("now()")},
)
_TRACK_INSERT = insert(Track.__table__).returning(Track.__table__.c.id, sort_by_parameter_order=True)


@functools.lru_cache(maxsize=4)
def _track_update(columns: tuple[str, ...]) -> Any:
    """UPDATE of the columns :func:`track_values` gives (others, such as search columns, are kept by triggers)."""
    return (
        update(Track.__table__)
        .where(Track.__table__.c.id == bindparam("_id"))
        .values({name: bindparam(name) for name in columns} | {"updated_at": text("now()")})
    )


async def _upsert_returning_ids(session: AsyncSession, stmt: Any, rows: list[dict[str, Any]]) -> dict[str, int]:
    result = await session.execute(stmt, rows)
    return {key: ident for key, ident in result.all()}


@dataclass
class KnownTrack:
    """What the database knows of a track's file, for comparing with the disk."""

    id: int
    root: str
    relative_path: str
    size: int
    mtime_ns: int
    content_hash: str
    removed: bool


@dataclass
class IngestOutcome:
    added: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    #: Tracks whose audio changed (their analysis is stale).
    audio_changed: list[int] = field(default_factory=list)


def _year(tags_year: int | None, date: str | None) -> int | None:
    if tags_year and 0 < tags_year < 10000:
        return tags_year
    if date and date[:4].isdigit():
        return int(date[:4])
    return None


def _small(value: int | None) -> int | None:
    return value if value is not None and -32768 <= value <= 32767 else None


def _int(value: int | None) -> int | None:
    return value if value is not None and -(2**31) <= value < 2**31 else None


def track_values(scanned: ScannedFile, album_id: int | None, cover_hash: str | None) -> dict[str, object]:
    """The ``tracks`` columns for a scanned file."""
    tags, tech = scanned.tags, scanned.technical
    title = tags.title or scanned.relative_path.rsplit("/", 1)[-1]
    rg = tags.replaygain
    return {
        "root": scanned.root,
        "relative_path": scanned.relative_path,
        "size": scanned.size,
        "mtime_ns": scanned.mtime_ns,
        "content_hash": scanned.audio_hash,
        "container": tech.container[:16] if tech.container else None,
        "codec": tech.codec[:16] if tech.codec else None,
        "sample_rate": _int(tech.sample_rate),
        "bit_depth": _small(tech.bit_depth),
        "channels": _small(tech.channels),
        "bitrate": _int(tech.bitrate),
        "duration": tech.duration,
        "lossless": tech.lossless,
        "title": title,
        "title_folded": fold(title),
        "artist": tags.artist or ("; ".join(tags.artists) if tags.artists else None),
        "album_id": album_id,
        "track_number": _small(tags.track_number),
        "track_total": _small(tags.track_total),
        "disc_number": _small(tags.disc_number),
        "disc_total": _small(tags.disc_total),
        "date": tags.date[:32] if tags.date else None,
        "original_date": tags.original_date[:32] if tags.original_date else None,
        "year": _small(_year(tags.year, tags.date or tags.original_date)),
        "composer": "; ".join(tags.composers) or None,
        "label": "; ".join(tags.labels) or None,
        "isrc": tags.isrc[:16] if tags.isrc else None,
        "musicbrainz_track_id": tags.musicbrainz_track_id,
        "musicbrainz_recording_id": tags.musicbrainz_recording_id,
        "lyrics": tags.lyrics,
        "tag_track_gain": rg.track_gain,
        "tag_track_peak": rg.track_peak,
        "tag_album_gain": rg.album_gain,
        "tag_album_peak": rg.album_peak,
        "tags_guessed": tags.guessed,
        "cover_hash": cover_hash,
        "removed_at": None,
    }


class Ingestor:
    """Writes batches of scan results within one scan."""

    def __init__(self, session: AsyncSession, known: dict[tuple[str, str], KnownTrack], storage: object) -> None:
        self.session = session
        self.known = known
        self.storage = storage
        #: audio hash → tracks whose file is gone (missing this scan, or removed earlier)
        self.orphans: dict[str, list[KnownTrack]] = {}
        #: Paths with a recorded problem (cleared when the file reads).
        self.problem_paths: set[tuple[str, str]] = set()
        self.outcome = IngestOutcome()

    def add_orphans(self, tracks: Iterable[KnownTrack]) -> None:
        for track in tracks:
            self.orphans.setdefault(track.content_hash, []).append(track)

    async def ingest(self, results: Sequence[ScannedFile | ScanProblem]) -> None:
        scanned = [r for r in results if isinstance(r, ScannedFile)]
        problems = [r for r in results if isinstance(r, ScanProblem)]
        if problems:
            await self._record_problems(problems)
        if not scanned:
            return
        await self._clear_problems([s for s in scanned if (s.root, s.relative_path) in self.problem_paths])
        artist_ids = await self._upsert_artists(scanned)
        album_ids = await self._upsert_albums(scanned, artist_ids)
        genre_ids = await self._upsert_genres(scanned)
        covers = self._store_covers(scanned)
        track_ids: list[tuple[int, ScannedFile]] = []
        new_rows: list[tuple[dict[str, object], ScannedFile]] = []
        updates: list[dict[str, object]] = []
        for item in scanned:
            key = grouping.album_key(item.tags)
            values = track_values(item, album_ids.get(key) if key else None, covers.get(id(item)))
            existing = self.known.get((item.root, item.relative_path))
            if existing is None:
                candidates = self.orphans.get(item.audio_hash)
                if candidates:
                    existing = candidates.pop(0)
                    self.outcome.moved.append(existing.id)
            elif existing.content_hash != item.audio_hash:
                self.outcome.audio_changed.append(existing.id)
            if existing is None:
                new_rows.append((values, item))
                continue
            if (existing.root, existing.relative_path) == (item.root, item.relative_path):
                self.outcome.changed.append(existing.id)
            updates.append({"_id": existing.id, **values})
            track_ids.append((existing.id, item))
        if updates:
            columns = tuple(key for key in updates[0] if key != "_id")
            await self.session.execute(_track_update(columns), updates)
        if new_rows:
            rows = await self.session.execute(_TRACK_INSERT, [values for values, _ in new_rows])
            for (_, item), new_id in zip(new_rows, rows.scalars().all(), strict=True):
                track_ids.append((new_id, item))
                self.outcome.added.append(new_id)
        if self.outcome.audio_changed:
            await self.session.execute(
                delete(TrackAnalysis).where(TrackAnalysis.track_id.in_(self.outcome.audio_changed))
            )
        await self._link(track_ids, artist_ids, genre_ids)
        await self._album_artists(scanned, album_ids, artist_ids)

    async def _upsert_artists(self, scanned: Sequence[ScannedFile]) -> dict[str, int]:
        rows: dict[str, dict[str, object]] = {}
        for item in scanned:
            tags = item.tags
            for names, ids in (
                (grouping.track_artist_names(tags), tags.musicbrainz_artist_ids),
                (grouping.album_artist_names(tags), tags.musicbrainz_album_artist_ids),
            ):
                mbids = list(ids) if len(ids) == len(names) else [None] * len(names)
                for name, mbid in zip(names, mbids, strict=True):
                    key = grouping.artist_key(name, mbid)
                    rows.setdefault(key, {"key": key, "name": name, "name_folded": fold(name), "musicbrainz_id": mbid})
            for composer in tags.composers:
                key = grouping.artist_key(composer)
                rows.setdefault(
                    key, {"key": key, "name": composer, "name_folded": fold(composer), "musicbrainz_id": None}
                )
        if not rows:
            return {}
        return await _upsert_returning_ids(self.session, _ARTIST_UPSERT, list(rows.values()))

    async def _upsert_albums(self, scanned: Sequence[ScannedFile], artist_ids: dict[str, int]) -> dict[str, int]:
        rows: dict[str, dict[str, object]] = {}
        for item in scanned:
            tags = item.tags
            key = grouping.album_key(tags)
            if key is None or key in rows:
                continue
            names = grouping.album_artist_names(tags)
            mbids = tags.musicbrainz_album_artist_ids
            first_key = (
                grouping.artist_key(names[0], mbids[0] if len(mbids) == len(names) and mbids else None)
                if names
                else None
            )
            date = tags.original_date or tags.date
            rows[key] = {
                "key": key,
                "title": tags.album,
                "title_folded": fold(tags.album or ""),
                "album_artist": grouping.album_display_artist(tags),
                "album_artist_id": artist_ids.get(first_key) if first_key else None,
                "compilation": tags.compilation,
                "year": _small(_year(tags.year, date)),
                "date": tags.date[:32] if tags.date else None,
                "original_date": tags.original_date[:32] if tags.original_date else None,
                "disc_total": _small(tags.disc_total),
                "musicbrainz_release_id": tags.musicbrainz_release_id,
                "musicbrainz_release_group_id": tags.musicbrainz_release_group_id,
            }
        if not rows:
            return {}
        return await _upsert_returning_ids(self.session, _ALBUM_UPSERT, list(rows.values()))

    async def _upsert_genres(self, scanned: Sequence[ScannedFile]) -> dict[str, int]:
        rows = {}
        for item in scanned:
            for genre in item.tags.genres:
                rows.setdefault(fold(genre), {"name": genre, "name_folded": fold(genre)})
        if not rows:
            return {}
        return await _upsert_returning_ids(self.session, _GENRE_UPSERT, list(rows.values()))

    def _store_covers(self, scanned: Sequence[ScannedFile]) -> dict[int, str]:
        hashes: dict[int, str] = {}
        for item in scanned:
            if item.cover is None:
                continue
            from sonantica_core.covers import store_original_cover

            try:
                hashes[id(item)] = store_original_cover(self.storage, item.cover.data, item.cover.mime_type)  # type: ignore[arg-type]
            except Exception as exc:  # a broken image costs the cover, not the track
                log.warning("cover of %s/%s not kept: %s", item.root, item.relative_path, exc)
        return hashes

    async def _link(
        self, track_ids: Sequence[tuple[int, ScannedFile]], artist_ids: dict[str, int], genre_ids: dict[str, int]
    ) -> None:
        new = set(self.outcome.added)
        ids = [track_id for track_id, _ in track_ids if track_id not in new]  # new tracks have no links yet
        if ids:
            await self.session.execute(delete(TrackArtist).where(TrackArtist.track_id.in_(ids)))
            await self.session.execute(delete(TrackGenre).where(TrackGenre.track_id.in_(ids)))
            await self.session.execute(
                delete(TrackMetadata).where(TrackMetadata.track_id.in_(ids), TrackMetadata.source == "tags")
            )
        artists, genres, extras = [], [], []
        for track_id, item in track_ids:
            tags = item.tags
            names = grouping.track_artist_names(tags)
            mbids = (
                list(tags.musicbrainz_artist_ids)
                if len(tags.musicbrainz_artist_ids) == len(names)
                else [None] * len(names)
            )
            seen: set[tuple[int, str]] = set()
            for position, (name, mbid) in enumerate(zip(names, mbids, strict=True)):
                artist_id = artist_ids[grouping.artist_key(name, mbid)]
                if (artist_id, "artist") not in seen:
                    seen.add((artist_id, "artist"))
                    artists.append(
                        {"track_id": track_id, "artist_id": artist_id, "role": "artist", "position": position}
                    )
            for position, composer in enumerate(tags.composers):
                artist_id = artist_ids[grouping.artist_key(composer)]
                if (artist_id, "composer") not in seen:
                    seen.add((artist_id, "composer"))
                    artists.append(
                        {"track_id": track_id, "artist_id": artist_id, "role": "composer", "position": position}
                    )
            for position, genre in enumerate(dict.fromkeys(fold(g) for g in tags.genres)):
                genres.append({"track_id": track_id, "genre_id": genre_ids[genre], "position": position})
            for key, value in tags.extra.items():
                extras.append({"track_id": track_id, "key": key[:100], "value": value, "source": "tags"})
        if artists:
            await self.session.execute(insert(TrackArtist.__table__), artists)
        if genres:
            await self.session.execute(insert(TrackGenre.__table__), genres)
        if extras:
            await self.session.execute(insert(TrackMetadata.__table__).on_conflict_do_nothing(), extras)

    async def _album_artists(
        self, scanned: Sequence[ScannedFile], album_ids: dict[str, int], artist_ids: dict[str, int]
    ) -> None:
        rows: dict[tuple[int, int], dict[str, int]] = {}
        for item in scanned:
            key = grouping.album_key(item.tags)
            if key is None:
                continue
            names = grouping.album_artist_names(item.tags)
            mbids = item.tags.musicbrainz_album_artist_ids
            mbids_list = list(mbids) if len(mbids) == len(names) else [None] * len(names)
            for position, (name, mbid) in enumerate(zip(names, mbids_list, strict=True)):
                artist_id = artist_ids.get(grouping.artist_key(name, mbid))
                if artist_id is not None:
                    rows.setdefault(
                        (album_ids[key], artist_id),
                        {"album_id": album_ids[key], "artist_id": artist_id, "position": position},
                    )
        if rows:
            await self.session.execute(insert(AlbumArtist.__table__).on_conflict_do_nothing(), list(rows.values()))

    async def _record_problems(self, problems: Sequence[ScanProblem]) -> None:
        rows = {
            (p.root, p.relative_path): {
                "root": p.root,
                "relative_path": p.relative_path,
                "kind": p.kind,
                "reason": p.reason[:2000],
            }
            for p in problems
        }
        stmt = insert(ScanProblemRow).values(list(rows.values()))
        stmt = stmt.on_conflict_do_update(
            index_elements=[ScanProblemRow.root, ScanProblemRow.relative_path],
            set_={"kind": stmt.excluded.kind, "reason": stmt.excluded.reason, "last_seen_at": text("now()")},
        )
        await self.session.execute(stmt)

    async def record_problem_stats(self, stats: dict[tuple[str, str], tuple[int, int]]) -> None:
        """Remember size and mtime of problem files so an unchanged bad file is not re-read."""
        for (root, relative), (size, mtime) in stats.items():
            await self.session.execute(
                update(ScanProblemRow)
                .where(ScanProblemRow.root == root, ScanProblemRow.relative_path == relative)
                .values(size=size, mtime_ns=mtime)
            )

    async def _clear_problems(self, scanned: Sequence[ScannedFile]) -> None:
        if not scanned:
            return
        for root in {s.root for s in scanned}:
            paths = [s.relative_path for s in scanned if s.root == root]
            await self.session.execute(
                delete(ScanProblemRow).where(ScanProblemRow.root == root, ScanProblemRow.relative_path.in_(paths))
            )


async def load_known(
    session: AsyncSession, roots: Sequence[str]
) -> tuple[dict[tuple[str, str], KnownTrack], list[KnownTrack]]:
    """Present tracks of ``roots`` by path, and removed tracks (candidates for a comeback)."""
    rows = await session.execute(
        select(
            Track.id, Track.root, Track.relative_path, Track.size, Track.mtime_ns, Track.content_hash, Track.removed_at
        )
    )
    present: dict[tuple[str, str], KnownTrack] = {}
    removed: list[KnownTrack] = []
    for row in rows:
        known = KnownTrack(
            row.id, row.root, row.relative_path, row.size, row.mtime_ns, row.content_hash, row.removed_at is not None
        )
        if known.removed:
            removed.append(known)
        elif row.root in roots:
            present[(row.root, row.relative_path)] = known
    return present, removed


async def load_problem_stats(
    session: AsyncSession, roots: Sequence[str]
) -> dict[tuple[str, str], tuple[int | None, int | None]]:
    rows = await session.execute(
        select(ScanProblemRow.root, ScanProblemRow.relative_path, ScanProblemRow.size, ScanProblemRow.mtime_ns).where(
            ScanProblemRow.root.in_(roots)
        )
    )
    return {(r.root, r.relative_path): (r.size, r.mtime_ns) for r in rows}


async def mark_removed(session: AsyncSession, track_ids: Sequence[int]) -> None:
    if track_ids:
        await session.execute(update(Track).where(Track.id.in_(track_ids)).values(removed_at=dt.datetime.now(dt.UTC)))


async def forget_problems(session: AsyncSession, keys: Iterable[tuple[str, str]]) -> None:
    for root, relative in keys:
        await session.execute(
            delete(ScanProblemRow).where(ScanProblemRow.root == root, ScanProblemRow.relative_path == relative)
        )
