"""Genre listings: the genres of tracks in the library, with how many tracks and albums."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.library import Genre, Track, TrackGenre
from sonantica_core.library import present, tracks
from sonantica_core.library.keyset import Ordering, Position, fetch_page, key_columns
from sonantica_core.library.params import GenreListQuery

G, TG, T = Genre.__table__.c, TrackGenre.__table__.c, Track.__table__.c

ORDERINGS: dict[str, Ordering] = {"name": Ordering("name", (G.name_folded, G.id), ("text", "int"))}

_PROBE = (
    select(literal(1).label("present"))
    .select_from(TrackGenre.__table__.join(Track.__table__, T.id == TG.track_id))
    .where(TG.genre_id == G.id, tracks.PRESENT)
    .limit(1)
    .lateral("any_track")
)
#: Genres with a track in the library.
LISTED = Genre.__table__.join(_PROBE, true())


def hydrate(page: Subquery, order: Sequence[ColumnElement[Any]]) -> Select[Any]:
    """Genre items of a page's rows with their counts, computed in one pass for the page."""
    keys = [column for column in page.c if column.key.startswith("_k")]
    counts = (
        select(
            TG.genre_id,
            func.count().label("track_count"),
            func.count(func.distinct(T.album_id)).label("album_count"),
        )
        .select_from(TrackGenre.__table__.join(Track.__table__, T.id == TG.track_id))
        .where(TG.genre_id.in_(select(page.c.id)), tracks.PRESENT)
        .group_by(TG.genre_id)
        .subquery("counts")
    )
    return (
        select(G.id, G.name, counts.c.track_count, counts.c.album_count, *keys)
        .select_from(page.join(Genre.__table__, G.id == page.c.id).outerjoin(counts, counts.c.genre_id == G.id))
        .order_by(*order)
    )


async def list_genres(
    conn: AsyncConnection, query: GenreListQuery, position: Position | None, secret: bytes
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of genres as items, and the next cursor."""
    ordering = ORDERINGS[query.sort]
    page = await fetch_page(
        conn,
        select(G.id.label("id"), *key_columns(ordering)).select_from(LISTED),
        ordering,
        descending=query.order == "desc",
        position=position,
        limit=query.limit,
        secret=secret,
        listing=f"genres:{query.sort}:{query.order}",
        hydrate=hydrate,
    )
    return [present.genre_item(row) for row in page.rows], page.next_cursor
