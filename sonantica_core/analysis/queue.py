"""Who gets analysed when: the background backlog, and the listener's track first.

* The backlog comes from the database: present tracks that lack a ``done`` or
  ``failed`` row for an enabled analyzer at its current version. It is queued at
  low priority, each track once (a marker in Redis), after scans and at start-up.
* A track someone presses play on (or ``POST /api/tracks/{id}/analyze``) is queued
  at high priority exactly once: ``SET NX`` on a lock with an expiry, released
  when the analysis ends. The result is cached in Redis and announced with an
  ``analysis.ready`` event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from sonantica_core.context import CoreContext
from sonantica_core.contract import Analyzer
from sonantica_core.tasks import Priority, send

log = logging.getLogger("sonantica.analysis")

HIGH_LOCK = "sonantica:analysis:high:{}"
LOW_MARK = "sonantica:analysis:low:{}"
RESULT_CACHE = "sonantica:analysis:result:{}"
HIGH_LOCK_SECONDS = 15 * 60
LOW_MARK_SECONDS = 24 * 3600
RESULT_CACHE_SECONDS = 24 * 3600


def enabled_analyzers(ctx: CoreContext) -> list[Analyzer]:
    from sonantica_core.plugins import manager_of

    return list(manager_of(ctx).analyzers(ctx))


_PENDING_SQL = """
SELECT t.id FROM tracks t
WHERE t.removed_at IS NULL {only}
  AND EXISTS (
    SELECT 1 FROM unnest(CAST(:names AS text[]), CAST(:versions AS int[])) AS a(name, version)
    WHERE NOT EXISTS (
      SELECT 1 FROM track_analysis ta
      WHERE ta.track_id = t.id AND ta.analyzer = a.name AND ta.version = a.version
    )
  )
ORDER BY t.id
{limit}
"""


async def pending_tracks(
    ctx: CoreContext, analyzers: Sequence[Analyzer], *, track_ids: Sequence[int] | None = None, limit: int | None = None
) -> list[int]:
    """Tracks that some analyzer has not analysed at its current version."""
    if not analyzers:
        return []
    params: dict[str, Any] = {"names": [a.name for a in analyzers], "versions": [a.version for a in analyzers]}
    only = ""
    if track_ids is not None:
        only = "AND t.id = ANY(CAST(:ids AS bigint[]))"
        params["ids"] = list(track_ids)
    sql = _PENDING_SQL.format(only=only, limit=f"LIMIT {int(limit)}" if limit else "")
    async with ctx.session() as session:
        return list((await session.execute(text(sql), params)).scalars())


async def queue_backlog(ctx: CoreContext, *, track_ids: Sequence[int] | None = None) -> int:
    """Queue every pending track at low priority (once each); returns how many were queued."""
    from sonantica_core.analysis.tasks import analyze_track

    analyzers = enabled_analyzers(ctx)
    queued = 0
    for track_id in await pending_tracks(ctx, analyzers, track_ids=track_ids):
        if await ctx.redis.set(LOW_MARK.format(track_id), "1", nx=True, ex=LOW_MARK_SECONDS):
            await send(analyze_track, track_id, priority=Priority.LOW)
            queued += 1
    if queued:
        log.info("queued %d tracks for background analysis", queued)
    return queued


async def request_analysis(ctx: CoreContext, track_id: int) -> str:
    """Queue ``track_id`` at high priority unless it is analysed or already queued.

    Returns ``"done"``, ``"queued"`` or ``"already queued"``.
    """
    from sonantica_core.analysis.tasks import analyze_track

    if await ctx.redis.exists(RESULT_CACHE.format(track_id)):
        return "done"
    if not await pending_tracks(ctx, enabled_analyzers(ctx), track_ids=[track_id]):
        return "done"
    if not await ctx.redis.set(HIGH_LOCK.format(track_id), "1", nx=True, ex=HIGH_LOCK_SECONDS):
        return "already queued"
    await send(analyze_track, track_id, priority=Priority.HIGH)
    return "queued"


async def release(ctx: CoreContext, track_id: int) -> None:
    await ctx.redis.delete(HIGH_LOCK.format(track_id), LOW_MARK.format(track_id))


async def cache_result(ctx: CoreContext, track_id: int, summary: dict[str, Any]) -> None:
    await ctx.redis.set(RESULT_CACHE.format(track_id), json.dumps(summary, default=str), ex=RESULT_CACHE_SECONDS)


async def cached_result(ctx: CoreContext, track_id: int) -> dict[str, Any] | None:
    raw = await ctx.redis.get(RESULT_CACHE.format(track_id))
    return json.loads(raw) if raw else None


def on_stream_start(ctx: CoreContext, track_id: int, user_id: int) -> Any:
    """The stream route's hook: analyse an unanalysed track first (runs in the background)."""
    seen: set[int] = ctx.extras.setdefault("analysis_requested", set())
    if track_id in seen:
        return None
    if len(seen) > 100_000:
        seen.clear()
    seen.add(track_id)

    async def request() -> None:
        try:
            await request_analysis(ctx, track_id)
        except Exception:
            seen.discard(track_id)
            raise

    return asyncio.ensure_future(request())
