"""Artist listings and details. An artist is in the library while a track credits them
(as artist or composer) or one of their albums has a track in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.library import Album, Artist, Track, TrackArtist, TrackGenre
from sonantica_core.library import albums, present, tracks
from sonantica_core.library.keyset import Ordering, Position, fetch_page
from sonantica_core.library.params import ArtistListQuery

AR, AL, T = Artist.__table__.c, Album.__table__.c, Track.__table__.c
TA = TrackArtist.__table__.c

ORDERINGS: dict[str, Ordering] = {"name": Ordering("name", (AR.sort_key, AR.id), ("text", "int"))}


def _credited(artist_id: ColumnElement[Any], role: str | None) -> Select[Any]:
    """Present tracks crediting the artist (in ``role``, or any role)."""
    stmt = (
        select(T.id)
        .select_from(TrackArtist.__table__.join(Track.__table__, T.id == TA.track_id))
        .where(TA.artist_id == artist_id, tracks.PRESENT)
    )
    return stmt.where(TA.role == role) if role else stmt


def _has_album(artist_id: ColumnElement[Any]) -> ColumnElement[bool]:
    return exists().where(albums.by_album_artist(artist_id), exists().where(T.album_id == AL.id, tracks.PRESENT))


def in_library(role: str) -> ColumnElement[bool]:
    """The artist has something in the library, in ``role`` (artist, composer, album_artist, any)."""
    if role == "album_artist":
        return _has_album(AR.id)
    if role in ("artist", "composer"):
        return exists(_credited(AR.id, role))
    return or_(exists(_credited(AR.id, None)), _has_album(AR.id))


TRACK_COUNT = (
    select(func.count())
    .select_from(TrackArtist.__table__.join(Track.__table__, T.id == TA.track_id))
    .where(TA.artist_id == AR.id, TA.role == "artist", tracks.PRESENT)
    .scalar_subquery()
)
ALBUM_COUNT = (
    select(func.count())
    .select_from(Album.__table__)
    .where(albums.by_album_artist(AR.id), exists().where(T.album_id == AL.id, tracks.PRESENT))
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


def filters(query: ArtistListQuery) -> list[ColumnElement[bool]]:
    where = [in_library(query.role)]
    if query.genre is not None:
        tg = TrackGenre.__table__.c
        in_genre = (
            select(TA.artist_id)
            .select_from(
                TrackArtist.__table__.join(TrackGenre.__table__, tg.track_id == TA.track_id).join(
                    Track.__table__, T.id == TA.track_id
                )
            )
            .where(tg.genre_id.in_(tracks.genre_ids(query.genre)), tracks.PRESENT)
        )
        where.append(AR.id.in_(in_genre))
    return where


async def list_artists(
    conn: AsyncConnection, query: ArtistListQuery, position: Position | None, secret: bytes
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of artists as items, and the next cursor."""
    ordering = ORDERINGS[query.sort]
    keys = [column.label(f"_k{i}") for i, column in enumerate(ordering.columns)]
    base = select(*ITEM_COLUMNS, *keys).where(and_(*filters(query)))
    page = await fetch_page(
        conn,
        base,
        ordering,
        descending=query.order == "desc",
        position=position,
        limit=query.limit,
        secret=secret,
        listing=f"artists:{query.sort}:{query.order}:{query.role}",
        key_of=lambda row: tuple(row[len(ITEM_COLUMNS) + i] for i in range(len(keys))),
    )
    return [present.artist_item(row) for row in page.rows], page.next_cursor


async def get_artist(conn: AsyncConnection, artist_id: int) -> dict[str, Any] | None:
    """An artist with their albums and their appearances on other albums, or None."""
    row = (await conn.execute(select(*ITEM_COLUMNS).where(AR.id == artist_id, in_library("any")))).first()
    if row is None:
        return None
    own = albums.by_album_artist(artist_id)
    appears = select(T.album_id).where(T.id.in_(_credited(artist_id, None)), T.album_id.is_not(None))
    artist = present.artist_item(row)
    artist["albums"] = await albums.albums_of(conn, own)
    artist["appearances"] = await albums.albums_of(conn, and_(AL.id.in_(appears), ~own))
    composed = select(func.count()).select_from(_credited(artist_id, "composer").subquery())
    artist["composed_track_count"] = (await conn.execute(composed)).scalar_one()
    return artist
