"""Album listings and details. An album is in the library while one of its tracks is."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Integer,
    Select,
    Subquery,
    and_,
    any_,
    bindparam,
    func,
    literal,
    select,
    true,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.library import Album, AlbumArtist, Artist, Track, TrackGenre
from sonantica_core.library import marks, present, tracks
from sonantica_core.library.keyset import Ordering, Position, fetch_page, key_columns, page_statement
from sonantica_core.library.queries import AlbumListQuery, since_utc

A, T = Album.__table__.c, Track.__table__.c

ORDERINGS: dict[str, Ordering] = {
    "title": Ordering("title", (A.title_folded, A.id), ("text", "int")),
    "artist": Ordering("artist", (A.sort_artist, A.title_folded, A.id), ("text", "text", "int")),
    "year": Ordering("year", (A.year, A.id), ("int", "int"), nullable=True),
    "added": Ordering("added", (A.created_at, A.id), ("datetime", "int")),
    **marks.orderings("album", A.id),
}


def album_artists_column(album_id: ColumnElement[Any]) -> ColumnElement[Any]:
    """``[{"id", "name"}, ...]``: an album's album artists, in tag order."""
    aa, ar = AlbumArtist.__table__.c, Artist.__table__.c
    return (
        select(tracks.refs(ar.id, ar.name, aa.position))
        .select_from(AlbumArtist.__table__.join(Artist.__table__, ar.id == aa.artist_id))
        .where(aa.album_id == album_id)
        .scalar_subquery()
    )


def _stats(album_id: ColumnElement[Any]) -> Any:
    """Per album: present tracks, their total duration, whether all are lossless."""
    return (
        select(
            func.count().label("track_count"),
            func.sum(T.duration).label("duration"),
            func.bool_and(T.lossless).label("lossless"),
        )
        .where(T.album_id == album_id, tracks.PRESENT)
        .lateral("stats")
    )


STATS = _stats(A.id)
ITEM_COLUMNS: tuple[ColumnElement[Any], ...] = (
    A.id,
    A.title,
    A.album_artist,
    A.album_artist_id,
    A.compilation,
    A.year,
    A.date,
    A.disc_total,
    A.cover_hash,
    A.created_at,
    STATS.c.track_count,
    STATS.c.duration,
    STATS.c.lossless,
    album_artists_column(A.id).label("artists"),
)
FROM = Album.__table__.join(STATS, true())
IN_LIBRARY = STATS.c.track_count > 0


def present_track(album_id: ColumnElement[Any]) -> Any:
    """One present track of the album, if any: a per-row probe (never a scan of all tracks)."""
    probe = select(literal(1).label("present")).where(T.album_id == album_id, tracks.PRESENT).limit(1)
    return probe.lateral("any_track")


#: Albums with a track in the library, for queries that need no statistics.
LISTED = Album.__table__.join(present_track(A.id), true())


_BY_ARTIST = Album.__table__.alias("by_artist")


def by_album_artist(artist_id: ColumnElement[Any] | int) -> ColumnElement[bool]:
    """The album's album artists include the artist (an id, or a column of an enclosing query).

    Two index lookups in a UNION rather than an OR, which would cost a scan of all albums.
    """
    aa = AlbumArtist.__table__.c
    linked = union(
        select(aa.album_id).where(aa.artist_id == artist_id).correlate_except(AlbumArtist.__table__),
        select(_BY_ARTIST.c.id).where(_BY_ARTIST.c.album_artist_id == artist_id).correlate_except(_BY_ARTIST),
    )
    return A.id.in_(linked)


def _in_genre(parameter: str) -> ColumnElement[bool]:
    tg = TrackGenre.__table__.c
    with_genre = (
        select(T.album_id)
        .select_from(Track.__table__.join(TrackGenre.__table__, tg.track_id == T.id))
        .where(tg.genre_id == any_(tracks.genre_ids(parameter)), tracks.PRESENT)
    )
    return A.id.in_(with_genre)


#: The filters of an album listing, by the bind parameter that carries each one's value.
_FILTERS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "artist": lambda: by_album_artist(bindparam("artist", type_=BigInteger)),
    "genre_id": lambda: _in_genre("genre_id"),
    "genre_name": lambda: _in_genre("genre_name"),
    "year_from": lambda: A.year >= bindparam("year_from", type_=Integer),
    "year_to": lambda: A.year <= bindparam("year_to", type_=Integer),
    "compilation": lambda: A.compilation == bindparam("compilation", type_=Boolean),
    "added_since": lambda: A.created_at >= bindparam("added_since", type_=DateTime(timezone=True)),
}


def filter_values(query: AlbumListQuery) -> dict[str, Any]:
    """The filters a listing asks for, by bind parameter, with their values."""
    values = {
        name: getattr(query, name)
        for name in ("artist", "year_from", "year_to", "compilation")
        if getattr(query, name) is not None
    }
    if query.genre is not None:
        name, value = tracks.genre_parameter(query.genre)
        values[name] = value
    since = since_utc(query.added_since)
    if since is not None:
        values["added_since"] = since
    return values


def hydrate(page: Subquery, order: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """Album items of a page's rows, in the page's order."""
    keys = [column for column in page.c if column.key.startswith(("_k", "_m"))]
    return select(*ITEM_COLUMNS, *keys).select_from(page.join(FROM, A.id == page.c.id)).order_by(*order)


def page_source(sort: str, filters: frozenset[str] = frozenset()) -> Select[Any]:
    """The albums an album listing pages through (id and sort keys), for the filters named."""
    where = [_FILTERS[name]() for name in sorted(filters & _FILTERS.keys())]
    source, extra = LISTED, []
    if sort in marks.PERSONAL_SORTS or marks.USER in filters:
        personal = marks.filters("album")
        source, extra = marks.join(LISTED, "album", A.id), marks.columns("album")
        where += [personal[name]() for name in sorted(filters & personal.keys())]
    keys = key_columns(ORDERINGS[sort])
    return select(A.id.label("id"), *keys, *extra).select_from(source).where(and_(true(), *where))


@lru_cache(maxsize=256)
def _statement(sort: str, descending: bool, filters: frozenset[str], phase: int, with_after: bool) -> Select[Any]:
    return page_statement(page_source(sort, filters), ORDERINGS[sort], descending, phase, with_after, hydrate)


async def list_albums(
    conn: AsyncConnection, query: AlbumListQuery, position: Position | None, secret: bytes, user_id: int | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of albums as items, and the next cursor (personal listings: see :mod:`.marks`)."""
    values = {**filter_values(query), **marks.values(query, user_id)}
    filters, descending = frozenset(values), query.order == "desc"
    page = await fetch_page(
        conn,
        lambda phase, with_after: _statement(query.sort, descending, filters, phase, with_after),
        values,
        ORDERINGS[query.sort],
        position=position,
        limit=query.limit,
        secret=secret,
        listing=f"albums:{query.sort}:{query.order}",
    )
    if marks.USER in values:
        return [marks.add_to_item(present.album_item(row), row) for row in page.rows], page.next_cursor
    return [present.album_item(row) for row in page.rows], page.next_cursor


def track_order() -> tuple[ColumnElement[Any], ...]:
    """Disc, then track number, then title: how an album's tracks are listed."""
    return (T.disc_number.asc().nulls_first(), T.track_number.asc().nulls_last(), T.title_folded, T.id)


DETAIL = (
    select(*ITEM_COLUMNS, A.original_date, A.musicbrainz_release_id, A.musicbrainz_release_group_id)
    .select_from(FROM)
    .where(A.id == bindparam("album_id", type_=BigInteger), IN_LIBRARY)
)
TRACKS = (
    select(*tracks.ITEM_COLUMNS)
    .select_from(tracks.FROM)
    .where(T.album_id == bindparam("album_id", type_=BigInteger), tracks.PRESENT)
    .order_by(*track_order())
)


async def get_album(conn: AsyncConnection, album_id: int) -> dict[str, Any] | None:
    """An album with its tracks in disc and track order, or None."""
    row = (await conn.execute(DETAIL, {"album_id": album_id})).first()
    if row is None:
        return None
    track_rows = (await conn.execute(TRACKS, {"album_id": album_id})).all()
    items = [present.track_item(track) for track in track_rows]
    genres: dict[int, dict[str, Any]] = {}
    for item in items:
        for genre in item["genres"]:
            genres.setdefault(genre["id"], genre)
    album = present.album_item(row)
    album.update(
        {
            "original_date": row.original_date,
            "musicbrainz_release_id": row.musicbrainz_release_id,
            "musicbrainz_release_group_id": row.musicbrainz_release_group_id,
            "genres": list(genres.values()),
            "discs": sorted({item["disc_number"] for item in items if item["disc_number"] is not None}),
            "tracks": items,
        }
    )
    return album


def albums_where(where: ColumnElement[bool]) -> Select[Any]:
    """Album items in the library matching ``where``, by year then title."""
    return (
        select(*ITEM_COLUMNS)
        .select_from(FROM)
        .where(IN_LIBRARY, where)
        .order_by(A.year.asc().nulls_last(), A.title_folded, A.id)
    )
