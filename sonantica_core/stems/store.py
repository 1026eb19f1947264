"""The ``track_stems`` rows: states, sizes, last use. (Files: :mod:`.files`.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from sonantica_core.context import CoreContext
from sonantica_core.db.stems import TrackStems
from sonantica_core.stems.files import StemFiles

QUEUED, RUNNING, READY, FAILED = "queued", "running", "ready", "failed"
#: Reported (never stored) for a ``running`` row whose worker holds its run lock no more.
INTERRUPTED = "interrupted"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def files_of(ctx: CoreContext) -> StemFiles:
    """The stems folder of this server (``DATA_DIR/stems``)."""
    return StemFiles(ctx.settings.data_dir)


async def rows_of(ctx: CoreContext, track_id: int) -> list[TrackStems]:
    """Every separation and mix of a track, separations first."""
    async with ctx.session() as session:
        result = await session.execute(
            select(TrackStems).where(TrackStems.track_id == track_id).order_by(TrackStems.separator, TrackStems.mix)
        )
        return list(result.scalars())


async def row(ctx: CoreContext, track_id: int, separator: str, mix: str = "") -> TrackStems | None:
    async with ctx.session() as session:
        return await session.scalar(
            select(TrackStems).where(
                TrackStems.track_id == track_id, TrackStems.separator == separator, TrackStems.mix == mix
            )
        )


async def mark_queued(
    ctx: CoreContext, track_id: int, separator: str, mix: str = "", *, force: bool = False, **values: Any
) -> None:
    """Create the row as ``queued``, or set an existing row back to queued (a running one only with ``force``:
    an interrupted run)."""
    fields = {"state": QUEUED, "error": None, "requested_at": utcnow(), **values}
    statement = insert(TrackStems).values(track_id=track_id, separator=separator, mix=mix, **fields)
    statement = statement.on_conflict_do_update(
        index_elements=["track_id", "separator", "mix"], set_=fields,
        where=None if force else TrackStems.state != RUNNING,
    )
    async with ctx.session() as session:
        await session.execute(statement)


async def mark_running(ctx: CoreContext, track_id: int, separator: str, mix: str = "", **values: Any) -> None:
    fields = {"state": RUNNING, "error": None, "started_at": utcnow(), "finished_at": None, **values}
    statement = insert(TrackStems).values(track_id=track_id, separator=separator, mix=mix, attempts=1, **fields)
    statement = statement.on_conflict_do_update(
        index_elements=["track_id", "separator", "mix"], set_={**fields, "attempts": TrackStems.attempts + 1}
    )
    async with ctx.session() as session:
        await session.execute(statement)


async def mark_ready(
    ctx: CoreContext, track_id: int, separator: str, sizes: Mapping[str, int], mix: str = "",
    now: dt.datetime | None = None,
) -> None:
    moment = now or utcnow()
    async with ctx.session() as session:
        await session.execute(
            update(TrackStems)
            .where(TrackStems.track_id == track_id, TrackStems.separator == separator, TrackStems.mix == mix)
            .values(state=READY, stems=dict(sizes), bytes=sum(sizes.values()), finished_at=moment,
                    last_used_at=moment, error=None)
        )


async def mark_failed(ctx: CoreContext, track_id: int, separator: str, error: str, mix: str = "") -> None:
    async with ctx.session() as session:
        await session.execute(
            update(TrackStems)
            .where(TrackStems.track_id == track_id, TrackStems.separator == separator, TrackStems.mix == mix)
            .values(state=FAILED, error=error[:2000], finished_at=utcnow(), stems={}, bytes=0)
        )


async def touch(ctx: CoreContext, track_id: int, separator: str, mix: str | None = None,
                now: dt.datetime | None = None) -> None:
    """Record a use of a separation (and of the mix streamed, when one is)."""
    moment = now or utcnow()
    mixes = [""] if mix in (None, "") else ["", mix]
    async with ctx.session() as session:
        await session.execute(
            update(TrackStems)
            .where(TrackStems.track_id == track_id, TrackStems.separator == separator, TrackStems.mix.in_(mixes))
            .values(last_used_at=func.greatest(TrackStems.last_used_at, moment))
        )


async def forget(ctx: CoreContext, track_id: int, separator: str, mix: str | None = None) -> None:
    """Delete a separation's rows (all its mixes too), or one mix's row."""
    condition = [TrackStems.track_id == track_id, TrackStems.separator == separator]
    if mix is not None:
        condition.append(TrackStems.mix == mix)
    async with ctx.session() as session:
        await session.execute(delete(TrackStems).where(*condition))
