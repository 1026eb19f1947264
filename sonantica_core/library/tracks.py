"""Track listings and details: filters, orderings, and the columns items are made from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, Subquery, and_, any_, exists, func, or_, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.util import ClauseAdapter

from sonantica_core.db.analysis import TrackAudioFeatures
from sonantica_core.db.library import Album, Artist, Genre, Track, TrackArtist, TrackGenre
from sonantica_core.library import present
from sonantica_core.library.folding import fold
from sonantica_core.library.keyset import Ordering, Page, Position, fetch_page, key_columns
from sonantica_core.library.musickeys import compatible
from sonantica_core.library.params import TrackListQuery, since_utc

T, A, F = Track.__table__.c, Album.__table__.c, TrackAudioFeatures.__table__.c

PRESENT = T.removed_at.is_(None)
_F2 = TrackAudioFeatures.__table__.alias("tempo")

ORDERINGS: dict[str, Ordering] = {
    "title": Ordering("title", (T.title_folded, T.id), ("text", "int")),
    "artist": Ordering(
        "artist",
        (T.sort_artist, T.sort_album, T.album_rank, T.sort_position, T.id),
        ("text", "text", "int", "int", "int"),
    ),
    "album": Ordering("album", (T.sort_album, T.album_rank, T.sort_position, T.id), ("text", "int", "int", "int")),
    "year": Ordering("year", (T.year, T.id), ("int", "int"), nullable=True),
    "added": Ordering("added", (T.added_at, T.id), ("datetime", "int")),
    "duration": Ordering("duration", (T.duration, T.id), ("float", "int"), nullable=True),
    # Tracks without a tempo: an anti-join walking tracks by id, which stops after a page
    # (the LEFT JOIN's "bpm IS NULL" would join all of both tables first).
    "bpm": Ordering(
        "bpm",
        (F.bpm, T.id),
        ("float", "int"),
        nullable=True,
        null_filter=~exists().where(_F2.c.track_id == T.id, _F2.c.bpm.is_not(None)),
    ),
}


def credits_column(track_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """``[[artist id, name, role], ...]`` of a track, artists before composers, in tag order."""
    ta, ar = TrackArtist.__table__.c, Artist.__table__.c
    return (
        select(
            func.json_agg(
                aggregate_order_by(func.json_build_array(ar.id, ar.name, ta.role), ta.role, ta.position),
                type_=JSON,
            )
        )
        .select_from(TrackArtist.__table__.join(Artist.__table__, ar.id == ta.artist_id))
        .where(ta.track_id == track_id)
        .scalar_subquery()
    )


def genres_column(track_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """``[[genre id, name], ...]`` of a track, in tag order."""
    tg, g = TrackGenre.__table__.c, Genre.__table__.c
    return (
        select(func.json_agg(aggregate_order_by(func.json_build_array(g.id, g.name), tg.position), type_=JSON))
        .select_from(TrackGenre.__table__.join(Genre.__table__, g.id == tg.genre_id))
        .where(tg.track_id == track_id)
        .scalar_subquery()
    )


#: What a track item is made from (see :func:`present.track_item`).
ITEM_COLUMNS: tuple[ColumnElement[Any], ...] = (
    T.id,
    T.title,
    T.artist,
    T.album_id,
    A.title.label("album_title"),
    A.album_artist,
    T.track_number,
    T.disc_number,
    T.year,
    T.duration,
    T.added_at,
    T.container,
    T.codec,
    T.sample_rate,
    T.bit_depth,
    T.channels,
    T.bitrate,
    T.lossless,
    T.size,
    func.coalesce(T.cover_hash, A.cover_hash).label("cover_hash"),
    F.analyzed_at,
    F.bpm,
    F.key,
    F.mode,
    F.camelot_key,
    F.loudness_lufs,
    F.replaygain_track_gain,
    credits_column(T.id).label("credits"),
    genres_column(T.id).label("genres"),
)

FROM = Track.__table__.outerjoin(Album.__table__, A.id == T.album_id).outerjoin(
    TrackAudioFeatures.__table__, F.track_id == T.id
)


def genre_ids(genre: str) -> ColumnElement[Any]:
    """The genre ids a ``genre`` parameter means (an id, or a name compared folded), as an
    array computed once per query."""
    g = Genre.__table__.c
    if genre.isdigit() and len(genre) < 19:
        return func.array(select(g.id).where(g.id == int(genre)).scalar_subquery())
    return func.array(select(g.id).where(g.name_folded == fold(genre)).scalar_subquery())


def credited(artist_id: int, role: str) -> ColumnElement[bool]:
    ta = TrackArtist.__table__.c
    return T.id.in_(select(ta.track_id).where(ta.artist_id == artist_id, ta.role == role))


def in_genre(genre: str) -> ColumnElement[bool]:
    tg = TrackGenre.__table__.c
    return T.id.in_(select(tg.track_id).where(tg.genre_id == any_(genre_ids(genre))))


def _uses_features(query: TrackListQuery) -> bool:
    return query.sort == "bpm" or any(
        value is not None for value in (query.bpm_min, query.bpm_max, query.key, query.compatible_with)
    )


def track_filters(query: TrackListQuery) -> list[ColumnElement[bool]]:
    """The conditions of a track listing on the ``tracks`` table itself."""
    where: list[ColumnElement[bool]] = [PRESENT]
    if query.artist is not None:
        where.append(credited(query.artist, "artist"))
    if query.composer is not None:
        where.append(credited(query.composer, "composer"))
    if query.album is not None:
        where.append(T.album_id == query.album)
    if query.genre is not None:
        where.append(in_genre(query.genre))
    if query.year_from is not None:
        where.append(T.year >= query.year_from)
    if query.year_to is not None:
        where.append(T.year <= query.year_to)
    if query.format is not None:
        wanted = query.format.lower()
        where.append(or_(func.lower(T.codec) == wanted, func.lower(T.container) == wanted))
    if query.lossless is not None:
        where.append(T.lossless.is_(query.lossless))
    since = since_utc(query.added_since)
    if since is not None:
        where.append(T.added_at >= since)
    return where


def feature_filters(query: TrackListQuery) -> list[ColumnElement[bool]]:
    """The conditions of a track listing on its analysis (they need the features join)."""
    where: list[ColumnElement[bool]] = []
    if query.bpm_min is not None:
        where.append(F.bpm >= query.bpm_min)
    if query.bpm_max is not None:
        where.append(F.bpm <= query.bpm_max)
    if query.key is not None:
        where.append(F.camelot_key == query.key)
    if query.compatible_with is not None:
        where.append(F.camelot_key.in_(compatible(query.compatible_with)))
    return where


def _adapted(ordering: Ordering, adapter: ClauseAdapter) -> Ordering:
    return replace(
        ordering,
        columns=tuple(adapter.traverse(column) for column in ordering.columns),
        null_filter=adapter.traverse(ordering.null_filter) if ordering.null_filter is not None else None,
    )


def page_source(query: TrackListQuery) -> tuple[Select[Any], Ordering]:
    """The rows a track listing pages through (id and sort keys) and its ordering.

    An artist, composer or album filter picks few tracks: those are found first, behind an
    optimisation fence (``OFFSET 0``), then sorted, so the planner never walks a whole sort
    index for them (it would, for an artist it thinks has thousands of tracks).
    """
    ordering = ORDERINGS[query.sort]
    where = track_filters(query)
    tracks_from: Any = Track.__table__
    if query.artist is not None or query.composer is not None or query.album is not None:
        selected = select(Track.__table__).where(*where).offset(0).subquery("selected")
        adapter = ClauseAdapter(selected)
        ordering = _adapted(ordering, adapter)
        tracks_from, where = selected, []
    row_id = tracks_from.c.id
    source = tracks_from
    if _uses_features(query):
        source = tracks_from.outerjoin(TrackAudioFeatures.__table__, F.track_id == row_id)
    base = (
        select(row_id.label("id"), *key_columns(ordering))
        .select_from(source)
        .where(and_(true(), *where, *feature_filters(query)))
    )
    return base, ordering


def listing_name(query: TrackListQuery) -> str:
    return f"tracks:{query.sort}:{query.order}"


def hydrate(page: Subquery, order: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """Track items of a page's rows, in the page's order."""
    keys = [column for column in page.c if column.key.startswith("_k")]
    return (
        select(*ITEM_COLUMNS, *keys)
        .select_from(page.join(FROM, T.id == page.c.id))
        .order_by(*order)
    )


async def list_tracks(
    conn: AsyncConnection, query: TrackListQuery, position: Position | None, secret: bytes
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of tracks as items, and the cursor of the next page (None at the end)."""
    base, ordering = page_source(query)
    page: Page = await fetch_page(
        conn,
        base,
        ordering,
        descending=query.order == "desc",
        position=position,
        limit=query.limit,
        secret=secret,
        listing=listing_name(query),
        hydrate=hydrate,
    )
    return [present.track_item(row) for row in page.rows], page.next_cursor


DETAIL_COLUMNS: tuple[ColumnElement[Any], ...] = (
    *ITEM_COLUMNS,
    T.track_total,
    T.disc_total,
    T.date,
    T.original_date,
    T.composer,
    T.label,
    T.isrc,
    T.musicbrainz_track_id,
    T.musicbrainz_recording_id,
    T.lyrics,
    T.tag_track_gain,
    T.tag_track_peak,
    T.tag_album_gain,
    T.tag_album_peak,
    T.tags_guessed,
    T.root,
    T.relative_path,
    T.updated_at,
    A.album_artist_id,
    *(column.label(f"feature_{column.name}") for column in TrackAudioFeatures.__table__.c if column.name != "track_id"),
)


async def get_track(conn: AsyncConnection, track_id: int) -> dict[str, Any] | None:
    """Everything about one track of the library, or None."""
    row = (await conn.execute(select(*DETAIL_COLUMNS).select_from(FROM).where(T.id == track_id, PRESENT))).first()
    if row is None:
        return None
    return track_detail(row)


def track_detail(row: Any) -> dict[str, Any]:
    item = present.track_item(row)
    features = {
        key.removeprefix("feature_"): value for key, value in row._mapping.items() if key.startswith("feature_")
    }
    item.update(
        {
            "composers": present.credits(row.credits, "composer"),
            "composer": row.composer,
            "track_total": row.track_total,
            "disc_total": row.disc_total,
            "date": row.date,
            "original_date": row.original_date,
            "label": row.label,
            "isrc": row.isrc,
            "musicbrainz_track_id": row.musicbrainz_track_id,
            "musicbrainz_recording_id": row.musicbrainz_recording_id,
            "lyrics": row.lyrics,
            "replaygain": {
                "track_gain": present.finite(row.tag_track_gain),
                "track_peak": present.finite(row.tag_track_peak),
                "album_gain": present.finite(row.tag_album_gain),
                "album_peak": present.finite(row.tag_album_peak),
            },
            "tags_guessed": row.tags_guessed,
            "path": {"root": row.root, "relative_path": row.relative_path},
            "updated_at": present.iso(row.updated_at),
            "features": _features(features) if row.analyzed_at is not None else None,
        }
    )
    item["links"]["artist"] = (
        f"{present.API}/library/artists/{row.album_artist_id}" if row.album_artist_id is not None else None
    )
    return item


def _features(features: dict[str, Any]) -> dict[str, Any]:
    out = {key: present.finite(value) if isinstance(value, float) else value for key, value in features.items()}
    out["analyzed_at"] = present.iso(features.get("analyzed_at"))
    return out
