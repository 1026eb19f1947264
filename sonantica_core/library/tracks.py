"""Track listings and details: filters, orderings, and the columns items are made from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Select,
    Subquery,
    Text,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.util import ClauseAdapter

from sonantica_core.db.analysis import TrackAudioFeatures
from sonantica_core.db.library import Album, Artist, Genre, Track, TrackArtist, TrackGenre
from sonantica_core.db.stems import TrackStems
from sonantica_core.library import marks, present
from sonantica_core.library.keyset import Ordering, Page, Position, fetch_page, key_columns, page_statement
from sonantica_core.library.queries import TrackListQuery, since_utc
from sonantica_core.text.folding import fold
from sonantica_core.text.musickeys import compatible

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
    **marks.orderings("track", T.id),
}


def refs(
    id_column: ColumnElement[Any], name_column: ColumnElement[Any], order: ColumnElement[Any]
) -> ColumnElement[Any]:
    """``[{"id", "name"}, ...]`` built by PostgreSQL, ready for the answer as it is."""
    item = func.json_build_object("id", id_column, "name", name_column)
    return func.json_agg(aggregate_order_by(item, order), type_=JSON)


def credits_column(track_id: ColumnElement[Any], role: str) -> ColumnElement[Any]:
    """``[{"id", "name"}, ...]``: the artists credited on a track in ``role``, in tag order."""
    ta, ar = TrackArtist.__table__.c, Artist.__table__.c
    return (
        select(refs(ar.id, ar.name, ta.position))
        .select_from(TrackArtist.__table__.join(Artist.__table__, ar.id == ta.artist_id))
        .where(ta.track_id == track_id, ta.role == role)
        .scalar_subquery()
    )


def genres_column(track_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """``[{"id", "name"}, ...]``: the genres of a track, in tag order."""
    tg, g = TrackGenre.__table__.c, Genre.__table__.c
    return (
        select(refs(g.id, g.name, tg.position))
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
    credits_column(T.id, "artist").label("credits"),
    genres_column(T.id).label("genres"),
)

FROM = Track.__table__.outerjoin(Album.__table__, A.id == T.album_id).outerjoin(
    TrackAudioFeatures.__table__, F.track_id == T.id
)


def genre_parameter(genre: str) -> tuple[str, Any]:
    """The bind parameter a ``genre`` value travels as, and its value: ``genre_id`` for
    digits, else ``genre_name`` (the name folded)."""
    return ("genre_id", int(genre)) if genre.isdigit() and len(genre) < 19 else ("genre_name", fold(genre))


def genre_ids(parameter: str) -> ColumnElement[Any]:
    """The ids the genre bind parameter ``parameter`` means, as an array computed once per query."""
    g = Genre.__table__.c
    if parameter == "genre_id":
        return func.array(select(g.id).where(g.id == bindparam("genre_id", type_=BigInteger)).scalar_subquery())
    return func.array(select(g.id).where(g.name_folded == bindparam("genre_name", type_=Text)).scalar_subquery())


def credited(role: str) -> ColumnElement[bool]:
    """The track credits the artist of the bind parameter named ``role`` in that role."""
    ta = TrackArtist.__table__.c
    return T.id.in_(select(ta.track_id).where(ta.artist_id == bindparam(role, type_=BigInteger), ta.role == role))


def in_genre(parameter: str) -> ColumnElement[bool]:
    tg = TrackGenre.__table__.c
    return T.id.in_(select(tg.track_id).where(tg.genre_id == any_(genre_ids(parameter))))


#: The filters on the tracks table, by the bind parameter that carries each one's value.
_TRACK_FILTERS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "artist": lambda: credited("artist"),
    "composer": lambda: credited("composer"),
    "album": lambda: T.album_id == bindparam("album", type_=BigInteger),
    "genre_id": lambda: in_genre("genre_id"),
    "genre_name": lambda: in_genre("genre_name"),
    "year_from": lambda: T.year >= bindparam("year_from", type_=Integer),
    "year_to": lambda: T.year <= bindparam("year_to", type_=Integer),
    "format": lambda: or_(
        func.lower(T.codec) == bindparam("format", type_=Text), func.lower(T.container) == bindparam("format")
    ),
    "lossless": lambda: T.lossless == bindparam("lossless", type_=Boolean),
    "added_since": lambda: T.added_at >= bindparam("added_since", type_=DateTime(timezone=True)),
}
#: The filters on the track's analysis (they need the features join).
_FEATURE_FILTERS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "bpm_min": lambda: F.bpm >= bindparam("bpm_min", type_=Float),
    "bpm_max": lambda: F.bpm <= bindparam("bpm_max", type_=Float),
    "key": lambda: F.camelot_key == bindparam("key", type_=Text),
    "compatible": lambda: F.camelot_key.in_(bindparam("compatible", expanding=True, type_=Text)),
}
#: Filters that pick few tracks: found first, behind an optimisation fence.
_SELECTIVE = frozenset({"artist", "composer", "album"})


def filter_values(query: TrackListQuery) -> dict[str, Any]:
    """The filters a listing asks for, by bind parameter, with their values."""
    values: dict[str, Any] = {}
    for name in ("artist", "composer", "album", "year_from", "year_to", "lossless", "bpm_min", "bpm_max", "key"):
        value = getattr(query, name)
        if value is not None:
            values[name] = value
    if query.genre is not None:
        name, value = genre_parameter(query.genre)
        values[name] = value
    if query.format is not None:
        values["format"] = query.format.lower()
    since = since_utc(query.added_since)
    if since is not None:
        values["added_since"] = since
    if query.compatible_with is not None:
        values["compatible"] = compatible(query.compatible_with)
    return values


def _adapted(ordering: Ordering, adapter: ClauseAdapter) -> Ordering:
    return replace(
        ordering,
        columns=tuple(adapter.traverse(column) for column in ordering.columns),
        null_filter=adapter.traverse(ordering.null_filter) if ordering.null_filter is not None else None,
    )


def page_source(sort: str, filters: frozenset[str] = frozenset()) -> tuple[Select[Any], Ordering]:
    """The rows a track listing pages through (id and sort keys) and its ordering, for the
    filters named (their values are bind parameters, see :func:`filter_values`).

    An artist, composer or album filter picks few tracks: those are found first, behind an
    optimisation fence (``OFFSET 0``), then sorted, so the planner never walks a whole sort
    index for them (it would, for an artist it thinks has thousands of tracks).
    """
    ordering = ORDERINGS[sort]
    where = [PRESENT, *(_TRACK_FILTERS[name]() for name in sorted(filters & _TRACK_FILTERS.keys()))]
    tracks_from: Any = Track.__table__
    if filters & _SELECTIVE:
        selected = select(Track.__table__).where(*where).offset(0).subquery("selected")
        ordering = _adapted(ordering, ClauseAdapter(selected))
        tracks_from, where = selected, []
    row_id = tracks_from.c.id
    features = sorted(filters & _FEATURE_FILTERS.keys())
    source = tracks_from
    if sort == "bpm" or features:
        source = tracks_from.outerjoin(TrackAudioFeatures.__table__, F.track_id == row_id)
    extra: list[ColumnElement[Any]] = []
    conditions = [_FEATURE_FILTERS[name]() for name in features]
    if sort in marks.PERSONAL_SORTS or marks.USER in filters:
        personal = marks.filters("track")
        source = marks.join(source, "track", row_id)
        extra = marks.columns("track")
        conditions += [personal[name]() for name in sorted(filters & personal.keys())]
    base = (
        select(row_id.label("id"), *key_columns(ordering), *extra)
        .select_from(source)
        .where(and_(true(), *where, *conditions))
    )
    return base, ordering


def listing_name(query: TrackListQuery) -> str:
    return f"tracks:{query.sort}:{query.order}"


def hydrate(page: Subquery, order: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """Track items of a page's rows, in the page's order."""
    keys = [column for column in page.c if column.key.startswith(("_k", "_m"))]
    return select(*ITEM_COLUMNS, *keys).select_from(page.join(FROM, T.id == page.c.id)).order_by(*order)


@lru_cache(maxsize=512)
def _statement(sort: str, descending: bool, filters: frozenset[str], phase: int, with_after: bool) -> Select[Any]:
    base, ordering = page_source(sort, filters)
    return page_statement(base, ordering, descending, phase, with_after, hydrate)


async def list_tracks(
    conn: AsyncConnection, query: TrackListQuery, position: Position | None, secret: bytes, user_id: int | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of tracks as items, and the cursor of the next page (None at the end).

    A personal listing (see :mod:`.marks`) needs ``user_id``: its items carry the user's marks."""
    values = {**filter_values(query), **marks.values(query, user_id)}
    filters, descending = frozenset(values), query.order == "desc"
    page: Page = await fetch_page(
        conn,
        lambda phase, with_after: _statement(query.sort, descending, filters, phase, with_after),
        values,
        ORDERINGS[query.sort],
        position=position,
        limit=query.limit,
        secret=secret,
        listing=listing_name(query),
    )
    if marks.USER in values:
        return [marks.add_to_item(present.track_item(row), row) for row in page.rows], page.next_cursor
    return [present.track_item(row) for row in page.rows], page.next_cursor


_S = TrackStems.__table__.c
#: The track's ready separations: ``[{"separator", "quality", "stems": {stem: bytes}, "bytes"}]`` (mixes left out).
STEMS_COLUMN = (
    select(
        func.coalesce(
            func.jsonb_agg(
                aggregate_order_by(
                    func.jsonb_build_object(
                        "separator", _S.separator, "quality", _S.quality, "stems", _S.stems, "bytes", _S.bytes
                    ),
                    _S.separator,
                )
            ),
            literal_column("'[]'::jsonb"),
            type_=JSONB,
        )
    )
    .where(_S.track_id == T.id, _S.mix == "", _S.state == "ready")
    .scalar_subquery()
    .label("stems")
)


DETAIL_COLUMNS: tuple[ColumnElement[Any], ...] = (
    *ITEM_COLUMNS,
    credits_column(T.id, "composer").label("composers"),
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
    STEMS_COLUMN,
)


DETAIL = select(*DETAIL_COLUMNS).select_from(FROM).where(T.id == bindparam("track_id", type_=BigInteger), PRESENT)


async def get_track(conn: AsyncConnection, track_id: int) -> dict[str, Any] | None:
    """Everything about one track of the library, or None."""
    row = (await conn.execute(DETAIL, {"track_id": track_id})).first()
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
            "composers": row.composers or [],
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
            "is_separated": bool(row.stems),
            "stems": row.stems or [],
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
