"""Artist listings and details. An artist is in the library while a track credits them
(as artist or composer) or one of their albums has a track in it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, any_, func, literal, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.library import Album, Artist, Track, TrackArtist, TrackGenre
from sonantica_core.library import albums, present, tracks
from sonantica_core.library.keyset import Ordering, Position, fetch_page, key_columns
from sonantica_core.library.params import ArtistListQuery

AR, AL, T = Artist.__table__.c, Album.__table__.c, Track.__table__.c
TA = TrackArtist.__table__.c

ORDERINGS: dict[str, Ordering] = {"name": Ordering("name", (AR.sort_key, AR.id), ("text", "int"))}


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
ALBUM_COUNT = (
    select(func.count())
    .select_from(albums.LISTED)
    .where(albums.by_album_artist(AR.id))
    .scalar_subquery()
)
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


def filters(query: ArtistListQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.genre is not None:
        tg = TrackGenre.__table__.c
        in_genre = (
            select(TA.artist_id)
            .select_from(
                TrackArtist.__table__.join(TrackGenre.__table__, tg.track_id == TA.track_id).join(
                    Track.__table__, T.id == TA.track_id
                )
            )
            .where(tg.genre_id == any_(tracks.genre_ids(query.genre)), tracks.PRESENT)
        )
        where.append(AR.id.in_(in_genre))
    return where


def hydrate(page: Subquery, order: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """Artist items of a page's rows, in the page's order."""
    keys = [column for column in page.c if column.key.startswith("_k")]
    return (
        select(*ITEM_COLUMNS, *keys)
        .select_from(page.join(Artist.__table__, AR.id == page.c.id))
        .order_by(*order)
    )


async def list_artists(
    conn: AsyncConnection, query: ArtistListQuery, position: Position | None, secret: bytes
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of artists as items, and the next cursor."""
    ordering = ORDERINGS[query.sort]
    base = select(AR.id.label("id"), *key_columns(ordering)).select_from(listed(query.role))
    base = base.where(and_(true(), *filters(query)))
    page = await fetch_page(
        conn,
        base,
        ordering,
        descending=query.order == "desc",
        position=position,
        limit=query.limit,
        secret=secret,
        listing=f"artists:{query.sort}:{query.order}:{query.role}",
        hydrate=hydrate,
    )
    return [present.artist_item(row) for row in page.rows], page.next_cursor


async def get_artist(conn: AsyncConnection, artist_id: int) -> dict[str, Any] | None:
    """An artist with their albums and the other albums they play on, or None."""
    row = (
        await conn.execute(select(*ITEM_COLUMNS).select_from(listed("any")).where(AR.id == artist_id))
    ).first()
    if row is None:
        return None
    own = albums.by_album_artist(artist_id)
    plays_on = select(T.album_id).where(T.id.in_(_credited(artist_id, "artist")), T.album_id.is_not(None))
    artist = present.artist_item(row)
    artist["albums"] = await albums.albums_of(conn, own)
    artist["appearances"] = await albums.albums_of(conn, and_(AL.id.in_(plays_on), ~own))
    composed = select(func.count()).select_from(_credited(artist_id, "composer").subquery())
    artist["composed_track_count"] = (await conn.execute(composed)).scalar_one()
    return artist
