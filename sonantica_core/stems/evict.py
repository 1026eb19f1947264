"""Deleting stems nobody uses: unused for ``STEMS_TTL_DAYS``, or past ``STEMS_MAX_BYTES``.

Runs after every separation or mix (the quota) and as the periodic ``core:stems-evict`` task
(queued every :data:`EVICT_INTERVAL_SECONDS` by one worker, :mod:`sonantica_core.tasks.periodic`).
What it deletes:

1. ready separations and mixes whose last use (a stream) is older than the TTL, and
   failed attempts older than the TTL;
2. then, while all ready stems and mixes together exceed the quota, the least recently
   used (a separation goes with its mixes);
3. folders no row knows of, and ``.part`` folders no running worker holds (left by a
   worker that was killed).

Only files under ``DATA_DIR/stems`` are ever deleted; originals are never touched. ``now``
is a parameter so tests (and a server whose clock jumped) can say what time it is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
from dataclasses import dataclass

from sqlalchemy import select

from sonantica_core.bus.library import LibraryChange, library_changed
from sonantica_core.context import CoreContext
from sonantica_core.db.stems import TrackStems
from sonantica_core.stems import store
from sonantica_core.stems.keys import RUN_LOCK, job_key
from sonantica_core.stems.store import files_of
from sonantica_core.tasks import current_context
from sonantica_core.tasks.periodic import periodic

log = logging.getLogger("sonantica.stems")

EVICT_INTERVAL_SECONDS = 3600.0


@dataclass(slots=True)
class EvictionReport:
    """What one eviction run removed."""

    expired: int = 0  # separations and mixes past the TTL
    over_quota: int = 0  # separations and mixes removed for the quota
    failed: int = 0  # old failed attempts forgotten
    orphans: int = 0  # folders without a row, and dead .part folders
    bytes_freed: int = 0


async def evict(ctx: CoreContext, *, now: dt.datetime | None = None) -> EvictionReport:
    """Apply the TTL and the quota once; returns what was removed."""
    moment = now or store.utcnow()
    cutoff = moment - dt.timedelta(days=ctx.settings.stems_ttl_days)
    report = EvictionReport()
    async with ctx.session() as session:
        rows = list((await session.execute(select(TrackStems).order_by(TrackStems.last_used_at))).scalars())
    gone: set[int] = set()
    for row in rows:
        if row.id in gone:
            continue
        if row.state == store.READY and row.last_used_at < cutoff:
            report.expired += 1
            report.bytes_freed += await _remove(ctx, row, rows, gone)
        elif row.state == store.FAILED and (row.finished_at or row.requested_at) < cutoff:
            await store.forget(ctx, row.track_id, row.separator, row.mix)
            gone.add(row.id)
            report.failed += 1
    limit = ctx.settings.stems_max_bytes
    total = sum(r.bytes for r in rows if r.id not in gone and r.state == store.READY)
    for row in rows:  # least recently used first
        if total <= limit:
            break
        if row.id in gone or row.state != store.READY:
            continue
        freed = await _remove(ctx, row, rows, gone)
        total -= freed
        report.bytes_freed += freed
        report.over_quota += 1
    report.orphans = await _sweep(ctx, [r for r in rows if r.id not in gone])
    unseparated = tuple(sorted({r.track_id for r in rows if r.id in gone and not r.mix and r.state == store.READY}))
    if unseparated:
        await library_changed(ctx, LibraryChange(stems=unseparated))
    if report.expired or report.over_quota or report.orphans:
        log.info("stems: %d unused and %d over quota removed (%d bytes), %d left-overs swept",
                 report.expired, report.over_quota, report.bytes_freed, report.orphans)
    return report


async def _remove(ctx: CoreContext, row: TrackStems, rows: list[TrackStems], gone: set[int]) -> int:
    """Delete a separation (with its mixes) or one mix: the row first, then the files. Bytes freed."""
    files = files_of(ctx)
    if row.mix:
        await store.forget(ctx, row.track_id, row.separator, row.mix)
        await asyncio.to_thread(files.remove_mix, row.track_id, row.separator, row.mix)
        gone.add(row.id)
        return row.bytes
    related = [r for r in rows if r.track_id == row.track_id and r.separator == row.separator and r.id not in gone]
    await store.forget(ctx, row.track_id, row.separator)
    await asyncio.to_thread(files.remove_separation, row.track_id, row.separator)
    gone.update(r.id for r in related)
    return sum(r.bytes for r in related if r.state == store.READY)


async def _sweep(ctx: CoreContext, rows: list[TrackStems]) -> int:
    files = files_of(ctx)
    known = {(r.track_id, r.separator) for r in rows}
    removed = 0
    for track_id, separator in await asyncio.to_thread(files.separations_on_disk):
        if (track_id, separator) not in known:
            await asyncio.to_thread(files.remove_separation, track_id, separator)
            removed += 1
    for track_id, separator, path in await asyncio.to_thread(files.parts_on_disk):
        if not await ctx.redis.exists(RUN_LOCK.format(job_key(track_id, separator))):
            await asyncio.to_thread(shutil.rmtree, path, True)
            removed += 1
    return removed


@periodic("core:stems-evict", every=dt.timedelta(seconds=EVICT_INTERVAL_SECONDS))
async def evict_stems() -> dict[str, int]:
    """The periodic eviction (see the module), queued by one worker per period."""
    report = await evict(current_context())
    return {"expired": report.expired, "over_quota": report.over_quota, "orphans": report.orphans,
            "bytes_freed": report.bytes_freed}
