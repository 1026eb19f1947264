"""Genre listings: the genres of tracks in the library, with how many tracks and albums."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.library import Genre, Track, TrackGenre
from sonantica_core.library import present, tracks
from sonantica_core.library.keyset import Ordering, Position, fetch_page
from sonantica_core.library.params import GenreListQuery

G, TG, T = Genre.__table__.c, TrackGenre.__table__.c, Track.__table__.c

ORDERINGS: dict[str, Ordering] = {"name": Ordering("name", (G.name_folded, G.id), ("text", "int"))}



def _count(what: ColumnElement[Any]) -> ColumnElement[Any]:
    return (
        select(what)
        .select_from(TrackGenre.__table__.join(Track.__table__, T.id == TG.track_id))
        .where(TG.genre_id == G.id, tracks.PRESENT)
        .scalar_subquery()
    )


ITEM_COLUMNS: tuple[ColumnElement[Any], ...] = (
    G.id,
    G.name,
    _count(func.count()).label("track_count"),
    _count(func.count(func.distinct(T.album_id))).label("album_count"),
)
IN_LIBRARY = exists().where(TG.genre_id == G.id, TG.track_id == T.id, tracks.PRESENT)


async def list_genres(
    conn: AsyncConnection, query: GenreListQuery, position: Position | None, secret: bytes
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of genres as items, and the next cursor."""
    ordering = ORDERINGS[query.sort]
    keys = [column.label(f"_k{i}") for i, column in enumerate(ordering.columns)]
    page = await fetch_page(
        conn,
        select(*ITEM_COLUMNS, *keys).where(IN_LIBRARY),
        ordering,
        descending=query.order == "desc",
        position=position,
        limit=query.limit,
        secret=secret,
        listing=f"genres:{query.sort}:{query.order}",
        key_of=lambda row: tuple(row[len(ITEM_COLUMNS) + i] for i in range(len(keys))),
    )
    return [present.genre_item(row) for row in page.rows], page.next_cursor
