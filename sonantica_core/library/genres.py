"""Genre listings: the genres of tracks in the library, with how many tracks and albums.

Counting needs every track of every genre on the page (a join over the whole library for
a page of all genres), so the counts are computed for all genres at once and kept for
:data:`STATS_TTL` seconds per process: they may lag a scan by that much.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.library import Genre, Track, TrackGenre
from sonantica_core.library import present, tracks
from sonantica_core.library.keyset import Ordering, Position, fetch_page, key_columns, page_statement
from sonantica_core.library.queries import GenreListQuery

G, TG, T = Genre.__table__.c, TrackGenre.__table__.c, Track.__table__.c

ORDERINGS: dict[str, Ordering] = {"name": Ordering("name", (G.name_folded, G.id), ("text", "int"))}
STATS_TTL = 60.0

_PROBE = (
    select(literal(1).label("present"))
    .select_from(TrackGenre.__table__.join(Track.__table__, T.id == TG.track_id))
    .where(TG.genre_id == G.id, tracks.PRESENT)
    .limit(1)
    .lateral("any_track")
)
#: Genres with a track in the library.
LISTED = Genre.__table__.join(_PROBE, true())

_STATS = (
    select(TG.genre_id, func.count(), func.count(func.distinct(T.album_id)))
    .select_from(TrackGenre.__table__.join(Track.__table__, T.id == TG.track_id))
    .where(tracks.PRESENT)
    .group_by(TG.genre_id)
)


class GenreStats:
    """Genre id → (tracks, albums), kept for :data:`STATS_TTL` seconds (one per process)."""

    def __init__(self) -> None:
        self.kept: tuple[float, dict[int, tuple[int, int]]] | None = None

    def clear(self) -> None:
        self.kept = None

    async def get(self, conn: AsyncConnection) -> dict[int, tuple[int, int]]:
        """The counts, from memory while they are fresh."""
        if self.kept is not None and time.monotonic() - self.kept[0] < STATS_TTL:
            return self.kept[1]
        stats = {row[0]: (row[1], row[2]) for row in (await conn.execute(_STATS)).all()}
        self.kept = (time.monotonic(), stats)
        return stats


def hydrate(page: Subquery, order: Sequence[ColumnElement[Any]]) -> Select[Any]:
    keys = [column for column in page.c if column.key.startswith("_k")]
    return select(G.id, G.name, *keys).select_from(page.join(Genre.__table__, G.id == page.c.id)).order_by(*order)


@lru_cache(maxsize=8)
def _statement(descending: bool, phase: int, with_after: bool) -> Select[Any]:
    base = select(G.id.label("id"), *key_columns(ORDERINGS["name"])).select_from(LISTED)
    return page_statement(base, ORDERINGS["name"], descending, phase, with_after, hydrate)


async def list_genres(
    conn: AsyncConnection,
    query: GenreListQuery,
    position: Position | None,
    secret: bytes,
    stats_memo: GenreStats,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of genres as items, and the next cursor."""
    descending = query.order == "desc"
    page = await fetch_page(
        conn,
        lambda phase, with_after: _statement(descending, phase, with_after),
        {},
        ORDERINGS[query.sort],
        position=position,
        limit=query.limit,
        secret=secret,
        listing=f"genres:{query.sort}:{query.order}",
    )
    stats = await stats_memo.get(conn)
    items = [present.genre_item(row.id, row.name, *stats.get(row.id, (0, 0))) for row in page.rows]
    return items, page.next_cursor
