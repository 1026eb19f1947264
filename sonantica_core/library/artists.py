"""Artist listings and details. An artist is in the library while a track credits them
(as artist or composer) or one of their albums has a track in it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Subquery,
    and_,
    any_,
    bindparam,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.library import Album, Artist, Track, TrackArtist, TrackGenre
from sonantica_core.library import albums, marks, present, tracks
from sonantica_core.library.keyset import Ordering, Position, fetch_page, key_columns, page_statement
from sonantica_core.library.queries import ArtistListQuery

AR, AL, T = Artist.__table__.c, Album.__table__.c, Track.__table__.c
TA = TrackArtist.__table__.c

ORDERINGS: dict[str, Ordering] = {
    "name": Ordering("name", (AR.sort_key, AR.id), ("text", "int")),
    **marks.orderings("artist", AR.id),
}


def _credited(artist_id: ColumnElement[Any] | int, role: str | None) -> Select[Any]:
    """Present tracks crediting the artist (in ``role``, or any role)."""
    stmt = (
        select(T.id)
        .select_from(TrackArtist.__table__.join(Track.__table__, T.id == TA.track_id))
        .where(TA.artist_id == artist_id, tracks.PRESENT)
    )
    return stmt.where(TA.role == role) if role else stmt


def presence(artist_id: ColumnElement[Any], role: str) -> Any:
    """A LATERAL probe that yields one row when the artist has something in the library in
    ``role`` (artist, composer, album_artist or any): per artist, never a scan of everything."""
    one = literal(1).label("present")
    credited = (
        select(one)
        .select_from(TrackArtist.__table__.join(Track.__table__, T.id == TA.track_id))
        .where(TA.artist_id == artist_id, tracks.PRESENT)
        .correlate(Artist.__table__)
    )
    if role in ("artist", "composer"):
        credited = credited.where(TA.role == role)
    on_album = (
        select(one)
        .select_from(Album.__table__.join(Track.__table__, T.album_id == AL.id))
        .where(albums.by_album_artist(artist_id), tracks.PRESENT)
        .correlate(Artist.__table__)
        .limit(1)
    )
    if role == "album_artist":
        probe: Any = on_album
    elif role in ("artist", "composer"):
        probe = credited.limit(1)
    else:
        probe = select(one).select_from(union_all(credited.limit(1), on_album).subquery("either")).limit(1)
    return probe.lateral("in_library")


TRACK_COUNT = (
    select(func.count())
    .select_from(TrackArtist.__table__.join(Track.__table__, T.id == TA.track_id))
    .where(TA.artist_id == AR.id, TA.role == "artist", tracks.PRESENT)
    .scalar_subquery()
)
ALBUM_COUNT = select(func.count()).select_from(albums.LISTED).where(albums.by_album_artist(AR.id)).scalar_subquery()
ITEM_COLUMNS: tuple[ColumnElement[Any], ...] = (
    AR.id,
    AR.name,
    AR.sort_name,
    AR.musicbrainz_id,
    AR.created_at,
    ALBUM_COUNT.label("album_count"),
    TRACK_COUNT.label("track_count"),
)


def listed(role: str) -> Any:
    """Artists with something in the library in ``role``."""
    return Artist.__table__.join(presence(AR.id, role), true())


def _in_genre(parameter: str) -> ColumnElement[bool]:
    tg = TrackGenre.__table__.c
    with_genre = (
        select(TA.artist_id)
        .select_from(
            TrackArtist.__table__.join(TrackGenre.__table__, tg.track_id == TA.track_id).join(
                Track.__table__, T.id == TA.track_id
            )
        )
        .where(tg.genre_id == any_(tracks.genre_ids(parameter)), tracks.PRESENT)
    )
    return AR.id.in_(with_genre)


def filter_values(query: ArtistListQuery) -> dict[str, Any]:
    """The filters a listing asks for, by bind parameter, with their values."""
    if query.genre is None:
        return {}
    name, value = tracks.genre_parameter(query.genre)
    return {name: value}


def hydrate(page: Subquery, order: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """Artist items of a page's rows, in the page's order."""
    keys = [column for column in page.c if column.key.startswith(("_k", "_m"))]
    return select(*ITEM_COLUMNS, *keys).select_from(page.join(Artist.__table__, AR.id == page.c.id)).order_by(*order)


def page_source(sort: str, role: str, filters: frozenset[str] = frozenset()) -> Select[Any]:
    """The artists an artist listing pages through (id and sort keys), for the filters named."""
    source, extra = listed(role), []
    where = [_in_genre(name) for name in sorted(filters & {"genre_id", "genre_name"})]
    if sort in marks.PERSONAL_SORTS or marks.USER in filters:
        personal = marks.filters("artist")
        source, extra = marks.join(source, "artist", AR.id), marks.columns("artist")
        where += [personal[name]() for name in sorted(filters & personal.keys())]
    base = select(AR.id.label("id"), *key_columns(ORDERINGS[sort]), *extra).select_from(source)
    return base.where(and_(true(), *where))


@lru_cache(maxsize=128)
def _statement(
    sort: str, role: str, descending: bool, filters: frozenset[str], phase: int, with_after: bool
) -> Select[Any]:
    return page_statement(page_source(sort, role, filters), ORDERINGS[sort], descending, phase, with_after, hydrate)


async def list_artists(
    conn: AsyncConnection, query: ArtistListQuery, position: Position | None, secret: bytes, user_id: int | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of artists as items, and the next cursor (personal listings: see :mod:`.marks`)."""
    values = {**filter_values(query), **marks.values(query, user_id)}
    filters, descending = frozenset(values), query.order == "desc"
    page = await fetch_page(
        conn,
        lambda phase, with_after: _statement(query.sort, query.role, descending, filters, phase, with_after),
        values,
        ORDERINGS[query.sort],
        position=position,
        limit=query.limit,
        secret=secret,
        listing=f"artists:{query.sort}:{query.order}:{query.role}",
    )
    if marks.USER in values:
        return [marks.add_to_item(present.artist_item(row), row) for row in page.rows], page.next_cursor
    return [present.artist_item(row) for row in page.rows], page.next_cursor


_ARTIST_ID = bindparam("artist_id", type_=BigInteger)
_OWN = albums.by_album_artist(_ARTIST_ID)
DETAIL = select(*ITEM_COLUMNS).select_from(listed("any")).where(AR.id == _ARTIST_ID)
ALBUMS = albums.albums_where(_OWN)
#: Albums they play on that are not theirs: compilations, other artists' albums.
APPEARANCES = albums.albums_where(
    and_(
        AL.id.in_(select(T.album_id).where(T.id.in_(_credited(_ARTIST_ID, "artist")), T.album_id.is_not(None))),
        ~_OWN,
    )
)
COMPOSED = select(func.count()).select_from(_credited(_ARTIST_ID, "composer").subquery())


async def get_artist(conn: AsyncConnection, artist_id: int) -> dict[str, Any] | None:
    """An artist with their albums and the other albums they play on, or None."""
    params = {"artist_id": artist_id}
    row = (await conn.execute(DETAIL, params)).first()
    if row is None:
        return None
    artist = present.artist_item(row)
    artist["albums"] = [present.album_item(album) for album in (await conn.execute(ALBUMS, params)).all()]
    artist["appearances"] = [present.album_item(album) for album in (await conn.execute(APPEARANCES, params)).all()]
    artist["composed_track_count"] = (await conn.execute(COMPOSED, params)).scalar_one()
    return artist
