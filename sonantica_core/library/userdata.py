"""Stars and ratings, per user, of tracks, albums and artists: read and written here.

This module is part of the plugin contract. Every function takes an ``AsyncSession``
(``async with ctx.session() as session``) and answers :class:`~sonantica_core.contract.Annotation`::

    from sonantica_core.library import userdata

    async with ctx.session() as session:
        await userdata.star(session, user_id, "track", track_id)
        await userdata.set_rating(session, user_id, "album", album_id, 4)
        marks = await userdata.annotations(session, user_id, "track", [1, 2, 3])

After changing a user's marks, call :func:`data_changed` (the core's routes do): answers that
front ends cache per user (the Subsonic API's) are kept under :func:`data_version`.

Starring what is starred keeps its first time; a rating is 1–5 and 0 clears it. Marks
outlive a track's removal (a track that comes back keeps its id, so its star), and go
with their user. The library listings filter and sort by them (``starred``,
``rating_min``, ``sort=starred|rating``) and smart playlist rules use them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.contract import Annotation
from sonantica_core.db.library import Album, Artist, Track
from sonantica_core.db.userdata import ANNOTATIONS
from sonantica_core.errors import SonanticaError

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

Kind = Literal["track", "album", "artist"]
_ITEM_COLUMN = {"track": "track_id", "album": "album_id", "artist": "artist_id"}
_ITEMS: dict[str, Any] = {"track": Track, "album": Album, "artist": Artist}


class AnnotationError(SonanticaError, ValueError):
    """A kind that cannot be starred or rated, or a rating out of 0–5."""


_VERSION_KEY = "sonantica:user:{}:data-version"


async def data_version(ctx: CoreContext, user_id: int) -> int:
    """A counter of changes to what ``user_id``'s own answers show (marks, plays, queues)."""
    raw = await ctx.redis.get(_VERSION_KEY.format(user_id))
    return int(raw) if raw is not None else 0


async def data_changed(ctx: CoreContext, user_id: int) -> None:
    """``user_id``'s marks or plays changed: answers cached under the old version are stale."""
    await ctx.redis.incr(_VERSION_KEY.format(user_id))


def _table(kind: str) -> tuple[Any, Any]:
    if kind not in ANNOTATIONS:
        raise AnnotationError(f"kind must be one of track, album, artist (got {kind!r})")
    table = ANNOTATIONS[kind].__table__
    return table, table.c[_ITEM_COLUMN[kind]]


def _annotation(kind: Kind, item_id: int, user_id: int, row: Any | None) -> Annotation:
    if row is None:
        return Annotation(kind, item_id, user_id)
    return Annotation(kind, item_id, user_id, row.starred_at, row.rating)


async def item_exists(session: AsyncSession, kind: Kind, item_id: int) -> bool:
    """Whether the library has this item (a track that was removed does not count)."""
    model = _ITEMS[kind]
    query = select(model.id).where(model.id == item_id)
    if kind == "track":
        query = query.where(Track.removed_at.is_(None))
    return (await session.execute(query)).first() is not None


async def annotation(session: AsyncSession, user_id: int, kind: Kind, item_id: int) -> Annotation:
    """The user's star and rating of one item (neither: both None)."""
    table, item = _table(kind)
    row = (await session.execute(select(table).where(table.c.user_id == user_id, item == item_id))).first()
    return _annotation(kind, item_id, user_id, row)


async def annotations(
    session: AsyncSession, user_id: int, kind: Kind, item_ids: Iterable[int]
) -> dict[int, Annotation]:
    """The user's marks of the items that have any, by item id."""
    table, item = _table(kind)
    wanted = list(dict.fromkeys(item_ids))
    if not wanted:
        return {}
    rows = await session.execute(select(table).where(table.c.user_id == user_id, item.in_(wanted)))
    return {row._mapping[item.name]: _annotation(kind, row._mapping[item.name], user_id, row) for row in rows}


async def star(
    session: AsyncSession, user_id: int, kind: Kind, item_id: int, *, at: dt.datetime | None = None
) -> Annotation:
    """Star an item (``at``: when, by default now; an item already starred keeps its time)."""
    table, item = _table(kind)
    when = at if at is not None else func.now()
    stmt = insert(table).values(user_id=user_id, **{item.name: item_id}, starred_at=when)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.user_id, item],
        set_={"starred_at": func.coalesce(table.c.starred_at, stmt.excluded.starred_at), "updated_at": func.now()},
    ).returning(table.c.starred_at, table.c.rating)
    return _annotation(kind, item_id, user_id, (await session.execute(stmt)).first())


async def unstar(session: AsyncSession, user_id: int, kind: Kind, item_id: int) -> Annotation:
    """Take an item's star away (its rating stays)."""
    table, item = _table(kind)
    mine = (table.c.user_id == user_id, item == item_id)
    await session.execute(delete(table).where(*mine, table.c.rating.is_(None)))
    row = (
        await session.execute(
            update(table)
            .where(*mine)
            .values(starred_at=None, updated_at=func.now())
            .returning(table.c.starred_at, table.c.rating)
        )
    ).first()
    return _annotation(kind, item_id, user_id, row)


async def set_rating(session: AsyncSession, user_id: int, kind: Kind, item_id: int, rating: int) -> Annotation:
    """Rate an item 1–5; 0 clears its rating (its star stays)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 0 <= rating <= 5:
        raise AnnotationError(f"a rating is a whole number from 0 to 5 (got {rating!r})")
    table, item = _table(kind)
    mine = (table.c.user_id == user_id, item == item_id)
    if rating == 0:
        await session.execute(delete(table).where(*mine, table.c.starred_at.is_(None)))
        row = (
            await session.execute(
                update(table)
                .where(*mine)
                .values(rating=None, updated_at=func.now())
                .returning(table.c.starred_at, table.c.rating)
            )
        ).first()
        return _annotation(kind, item_id, user_id, row)
    stmt = insert(table).values(user_id=user_id, **{item.name: item_id}, rating=rating)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.user_id, item], set_={"rating": rating, "updated_at": func.now()}
    ).returning(table.c.starred_at, table.c.rating)
    return _annotation(kind, item_id, user_id, (await session.execute(stmt)).first())


async def starred(session: AsyncSession, user_id: int, kind: Kind, *, limit: int = 500) -> list[Annotation]:
    """The user's starred items of a kind, most recently starred first."""
    table, item = _table(kind)
    rows = await session.execute(
        select(table)
        .where(table.c.user_id == user_id, table.c.starred_at.is_not(None))
        .order_by(table.c.starred_at.desc(), item.desc())
        .limit(limit)
    )
    return [_annotation(kind, row._mapping[item.name], user_id, row) for row in rows]
