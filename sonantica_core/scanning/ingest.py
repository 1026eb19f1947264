"""Writing what the scanners read into the library, in batches.

Identity follows the audio: a new path whose audio hash equals that of a track
whose file disappeared (or was removed earlier) is the same track — moved,
renamed, retagged — and keeps its id, so its history, playlists and analysis
stay. A file that disappears for good leaves the library (``removed_at`` is set)
but its row and history remain; if the audio comes back, so does the track. A
different file at the path of a removed track takes that track's place, as a file
replaced in place does (its analysis is dropped).

Batches arrive as :class:`~sonantica_core.scanning.records.TrackRecord` (prepared in
the reader processes) and :class:`ScanProblem`. Rows go in with few statements: array
parameters for artists, albums and genres (skipping what this scan already wrote
unchanged), ``COPY`` for new tracks and their links, ``sort_album`` written here (its
trigger stays for other writers), and commits without waiting for the disk flush (a
batch lost in a crash is read again by the next scan).

Tracks and their link rows are written with ``session_replication_role = replica``
where the database role may set it (a superuser, as the embedded database's, or a
role granted ``SET`` on it): that skips the per-row foreign-key checks, which cost a
third of the database's work in an initial scan. Every id written comes from the
database in the same transaction or an earlier batch of this scan, and the library
never deletes tracks, albums, artists or genres, so the checks could not fail. The
library's own triggers are ``ENABLE ALWAYS`` (migration 0005) and still fire; a
trigger added to these tables must be too, to see the scan's writes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.contract import ScanProblem
from sonantica_core.db.analysis import TrackAnalysis
from sonantica_core.db.library import ScanProblemRow, Track
from sonantica_core.scanning.records import TRACK_COLUMNS, AlbumRow, TrackRecord

log = logging.getLogger("sonantica.scan")

_ARTISTS = """
INSERT INTO artists (key, name, name_folded, musicbrainz_id)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
ON CONFLICT (key) DO UPDATE SET name = excluded.name
RETURNING key, id
"""
_ALBUMS = """
INSERT INTO albums (key, title, title_folded, album_artist, album_artist_id, compilation, year, date,
                    original_date, disc_total, musicbrainz_release_id, musicbrainz_release_group_id)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::boolean[], $7::smallint[],
                     $8::text[], $9::text[], $10::smallint[], $11::text[], $12::text[])
ON CONFLICT (key) DO UPDATE SET
  title = excluded.title, album_artist = excluded.album_artist, album_artist_id = excluded.album_artist_id,
  compilation = excluded.compilation, year = COALESCE(excluded.year, albums.year),
  disc_total = GREATEST(excluded.disc_total, albums.disc_total), updated_at = now()
RETURNING key, id, title_folded, year, disc_total
"""
_GENRES = """
INSERT INTO genres (name, name_folded) SELECT * FROM unnest($1::text[], $2::text[])
ON CONFLICT (name_folded) DO UPDATE SET name = genres.name
RETURNING name_folded, id
"""
_ALBUM_ARTISTS = """
INSERT INTO album_artists (album_id, artist_id, position)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::smallint[]) ON CONFLICT DO NOTHING
"""
_METADATA = """
INSERT INTO track_metadata (track_id, key, value, source)
SELECT t, k, v, 'tags' FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(t, k, v) ON CONFLICT DO NOTHING
"""
_TRACK_ID_SEQUENCE = "SELECT pg_get_serial_sequence('tracks', 'id')::regclass::oid"
_NEW_IDS = "SELECT nextval($2::oid::regclass) FROM generate_series(1, $1)"
_UNLINK = (
    "DELETE FROM track_artists WHERE track_id = ANY($1::bigint[])",
    "DELETE FROM track_genres WHERE track_id = ANY($1::bigint[])",
    "DELETE FROM track_metadata WHERE track_id = ANY($1::bigint[]) AND source = 'tags'",
)
#: Whether this role may set ``session_replication_role`` (PostgreSQL 15 grants it per parameter).
_MAY_SKIP_CHECKS = (
    "SELECT current_setting('is_superuser') = 'on' OR has_parameter_privilege('session_replication_role', 'SET')"
)
_MAY_SKIP_CHECKS_BEFORE_15 = "SELECT current_setting('is_superuser') = 'on'"
_CHECKS_OFF = "SET LOCAL session_replication_role = replica"
_CHECKS_ON = "SET LOCAL session_replication_role = origin"
#: Columns written for every track: the record's, then the ones the ingest resolves.
_WRITTEN = (*TRACK_COLUMNS, "album_id", "sort_album", "cover_hash")
_UPDATE = (
    "UPDATE tracks SET "
    + ", ".join(f"{name} = ${n}" for n, name in enumerate(_WRITTEN, start=2))
    + ", removed_at = NULL, updated_at = now() WHERE id = $1"
)


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


_ALBUM_COVERS = """
UPDATE albums SET cover_hash = first.cover_hash, updated_at = now()
FROM (
  SELECT DISTINCT ON (album_id) album_id, cover_hash FROM tracks
  WHERE album_id = ANY($1::bigint[]) AND removed_at IS NULL AND cover_hash IS NOT NULL
  ORDER BY album_id, disc_number NULLS FIRST, track_number NULLS LAST, id
) AS first
WHERE albums.id = first.album_id AND albums.cover_hash IS DISTINCT FROM first.cover_hash
"""


@dataclass
class _AlbumState:
    """An album as this scan last wrote it."""

    id: int
    title_folded: str
    #: (title, album_artist, album_artist_id, compilation) written last.
    head: tuple[object, ...]
    year: int | None
    disc_total: int | None

    def unchanged_by(self, row: AlbumRow, artist_id: int | None) -> bool:
        """True when upserting ``row`` again would change nothing worth a write: same title and
        album artist, no more discs, and a year known already (tracks of one album that disagree
        on the year do not rewrite the album over and over; the first one this scan wrote stays)."""
        _, title, _, album_artist, _, compilation, year, *_ = row
        disc_total = row[9]
        return (
            (title, album_artist, artist_id, compilation) == self.head
            and (year is None or self.year is not None)
            and (disc_total is None or (self.disc_total is not None and disc_total <= self.disc_total))
        )


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under ``session``, inside its transaction (begun here)."""
    await session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def _columns(rows: Sequence[Sequence[object]], count: int) -> list[list[object]]:
    """Rows turned into ``count`` column lists (array parameters)."""
    if not rows:
        return [[] for _ in range(count)]
    return [list(column) for column in zip(*rows, strict=True)]


class Ingestor:
    """Writes batches of scan results within one scan."""

    def __init__(self, session: AsyncSession, known: dict[tuple[str, str], KnownTrack]) -> None:
        self.session = session
        self.known = known
        #: audio hash → tracks whose file is gone (missing this scan, or removed earlier)
        self.orphans: dict[str, list[KnownTrack]] = {}
        #: Removed tracks by path: a new file there takes the track's place.
        self.removed_at: dict[tuple[str, str], KnownTrack] = {}
        #: Paths with a recorded problem (cleared when the file reads).
        self.problem_paths: set[tuple[str, str]] = set()
        self.outcome = IngestOutcome()
        # What this scan wrote already: ids, and what an upsert would change.
        self._artist_ids: dict[str, int] = {}
        self._artist_names: dict[str, str] = {}
        self._albums: dict[str, _AlbumState] = {}
        self._genre_ids: dict[str, int] = {}
        self._album_artists: set[tuple[int, int]] = set()
        self._track_sequence: int | None = None
        self._may_skip_checks: bool | None = None

    def add_orphans(self, tracks: Iterable[KnownTrack], *, removed: bool = False, first: bool = False) -> None:
        """Tracks whose file is gone; ``removed``: removed earlier; ``first``: preferred over those added before."""
        fresh: dict[str, list[KnownTrack]] = {}
        for track in tracks:
            fresh.setdefault(track.content_hash, []).append(track)
            if removed:
                self.removed_at[(track.root, track.relative_path)] = track
        for audio_hash, found in fresh.items():
            before = self.orphans.get(audio_hash, [])
            self.orphans[audio_hash] = found + before if first else before + found

    async def ingest(self, results: Sequence[TrackRecord | ScanProblem]) -> None:
        records = [r for r in results if isinstance(r, TrackRecord)]
        problems = [r for r in results if isinstance(r, ScanProblem)]
        if problems:
            await self._record_problems(problems)
        if not records:
            return
        await self._clear_problems([r for r in records if (r.root, r.relative_path) in self.problem_paths])
        db = await driver_connection(self.session)
        await self._upsert_artists(db, records)
        await self._upsert_albums(db, records)
        await self._upsert_genres(db, records)
        new: list[TrackRecord] = []
        existing: list[tuple[int, TrackRecord]] = []
        stale: list[int] = []
        for record in records:
            track = self._existing(record)
            if track is None:
                new.append(record)
                continue
            if track.content_hash != record.audio_hash:
                self.outcome.audio_changed.append(track.id)
                stale.append(track.id)
            existing.append((track.id, record))
        unchecked = await self._skip_checks(db)
        if existing:  # first: a moved track may leave the path a new one takes
            await db.executemany(_UPDATE, [(track_id, *self._row(record)) for track_id, record in existing])
            await self._unlink(db, [track_id for track_id, _ in existing])
        linked = list(existing)
        if new:
            if self._track_sequence is None:
                self._track_sequence = await db.fetchval(_TRACK_ID_SEQUENCE)
            ids = [row[0] for row in await db.fetch(_NEW_IDS, len(new), self._track_sequence)]
            await db.copy_records_to_table(
                "tracks",
                records=[(track_id, *self._row(record)) for track_id, record in zip(ids, new, strict=True)],
                columns=("id", *_WRITTEN),
            )
            self.outcome.added.extend(ids)
            linked.extend(zip(ids, new, strict=True))
        if stale:
            await self.session.execute(delete(TrackAnalysis).where(TrackAnalysis.track_id.in_(stale)))
        await self._link(db, linked)
        await self._link_album_artists(db, records)
        await self._set_album_covers(db, records)
        if unchecked:
            await db.execute(_CHECKS_ON)

    async def _skip_checks(self, db: Any) -> bool:
        """Switch off the per-row foreign-key checks for the rest of this transaction, where
        the role may (see the module docstring); True when they are off."""
        if self._may_skip_checks is None:
            query = _MAY_SKIP_CHECKS if db.get_server_version().major >= 15 else _MAY_SKIP_CHECKS_BEFORE_15
            self._may_skip_checks = bool(await db.fetchval(query))
        if self._may_skip_checks:
            await db.execute(_CHECKS_OFF)
        return self._may_skip_checks

    def _existing(self, record: TrackRecord) -> KnownTrack | None:
        """The track this file is (same path, same audio elsewhere, or a removed one's path), or None."""
        key = (record.root, record.relative_path)
        track = self.known.get(key)
        if track is not None:
            self.outcome.changed.append(track.id)
            return track
        candidates = self.orphans.get(record.audio_hash)
        if candidates:
            track = candidates.pop(0)
            if self.removed_at.get((track.root, track.relative_path)) is track:
                del self.removed_at[(track.root, track.relative_path)]
            self.outcome.moved.append(track.id)
            return track
        track = self.removed_at.pop(key, None)
        if track is not None:
            self.orphans[track.content_hash].remove(track)
            self.outcome.changed.append(track.id)
        return track

    def _row(self, record: TrackRecord) -> tuple[object, ...]:
        album = self._albums[record.album[0]] if record.album else None
        return (
            *record.values,
            album.id if album else None,
            album.title_folded if album else "",
            record.cover_hash,
        )

    async def _upsert_artists(self, db: Any, records: Sequence[TrackRecord]) -> None:
        rows: dict[str, tuple[str, str, str, str | None]] = {}
        for record in records:
            for row in record.artists:
                key = row[0]
                if key not in rows and self._artist_names.get(key) != row[1]:
                    rows[key] = row
        if not rows:
            return
        ordered = sorted(rows.values())
        for key, ident in await db.fetch(_ARTISTS, *_columns(ordered, 4)):
            self._artist_ids[key] = ident
        for key, name, _, _ in ordered:
            self._artist_names[key] = name

    async def _upsert_albums(self, db: Any, records: Sequence[TrackRecord]) -> None:
        rows: dict[str, AlbumRow] = {}
        for record in records:
            if record.album is not None:
                rows.setdefault(record.album[0], record.album)
        pending = []
        for key, row in rows.items():
            artist_id = self._artist_ids.get(row[4]) if row[4] else None
            state = self._albums.get(key)
            if state is None or not state.unchanged_by(row, artist_id):
                pending.append((*row[:4], artist_id, *row[5:]))
        if not pending:
            return
        pending.sort()
        for key, ident, title_folded, year, disc_total in await db.fetch(_ALBUMS, *_columns(pending, 12)):
            row = rows[key]
            head = (row[1], row[3], self._artist_ids.get(row[4]) if row[4] else None, row[5])
            self._albums[key] = _AlbumState(ident, title_folded, head, year, disc_total)

    async def _set_album_covers(self, db: Any, records: Sequence[TrackRecord]) -> None:
        """Each touched album's cover: that of its first track (disc, then number) that has one."""
        album_ids = sorted({self._albums[r.album[0]].id for r in records if r.album})
        if album_ids:
            await db.execute(_ALBUM_COVERS, album_ids)

    async def _upsert_genres(self, db: Any, records: Sequence[TrackRecord]) -> None:
        rows: dict[str, str] = {}
        for record in records:
            for folded, name in record.genres:
                if folded not in self._genre_ids:
                    rows.setdefault(folded, name)
        if rows:
            ordered = sorted((name, folded) for folded, name in rows.items())
            for folded, ident in await db.fetch(_GENRES, *_columns(ordered, 2)):
                self._genre_ids[folded] = ident

    async def _unlink(self, db: Any, track_ids: list[int]) -> None:
        """Drop the links of re-read tracks (they are written again from the file)."""
        for statement in _UNLINK:
            await db.execute(statement, track_ids)

    async def _link(self, db: Any, tracks: Sequence[tuple[int, TrackRecord]]) -> None:
        artists, genres, extras = [], [], []
        artist_ids, genre_ids = self._artist_ids, self._genre_ids
        for track_id, record in tracks:
            for key, role, position in record.track_artists:
                artists.append((track_id, artist_ids[key], role, position))
            for position, (folded, _) in enumerate(record.genres):
                genres.append((track_id, genre_ids[folded], position))
            for key, value in record.extras:
                extras.append((track_id, key, value))
        if artists:
            await db.copy_records_to_table(
                "track_artists", records=artists, columns=("track_id", "artist_id", "role", "position")
            )
        if genres:
            await db.copy_records_to_table("track_genres", records=genres, columns=("track_id", "genre_id", "position"))
        if extras:
            await db.execute(_METADATA, *_columns(extras, 3))

    async def _link_album_artists(self, db: Any, records: Sequence[TrackRecord]) -> None:
        rows: dict[tuple[int, int], int] = {}
        for record in records:
            if record.album is None:
                continue
            album_id = self._albums[record.album[0]].id
            for key, position in record.album_artists:
                pair = (album_id, self._artist_ids[key])
                if pair not in self._album_artists:
                    rows.setdefault(pair, position)
        if rows:
            await db.execute(_ALBUM_ARTISTS, *_columns([(*pair, position) for pair, position in rows.items()], 3))
            self._album_artists.update(rows)

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

    async def _clear_problems(self, records: Sequence[TrackRecord]) -> None:
        if not records:
            return
        for root in {r.root for r in records}:
            paths = [r.relative_path for r in records if r.root == root]
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
