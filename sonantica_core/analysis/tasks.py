"""The analysis tasks (decode once, run every enabled analyzer, keep the results) and queueing them:
the backlog at low priority, a track someone asked for (or pressed play on) at high priority."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from sonantica_core.analysis import queue
from sonantica_core.analysis.errors import AudioDecodeError
from sonantica_core.analysis.pipeline import PipelineStats, run_analyzers
from sonantica_core.analysis.store import finish_albums, store_results
from sonantica_core.bus.library import LibraryChange, library_changed
from sonantica_core.bus.notify import emit
from sonantica_core.context import CoreContext
from sonantica_core.contract import AnalysisReady
from sonantica_core.db.library import Track
from sonantica_core.media.storage import MediaPathError, media_storage
from sonantica_core.tasks import Priority, current_context, send, task

log = logging.getLogger("sonantica.analysis")


@task("core:analyze", priority=Priority.LOW)
async def analyze_track(track_id: int, force: bool = False) -> None:
    """Analyse one track with every enabled analyzer that has not analysed it at its version."""
    ctx = current_context()
    try:
        analyzers = queue.enabled_analyzers(ctx)
        if not force:
            pending = await queue.pending_tracks(ctx, analyzers, track_ids=[track_id])
            if not pending:
                return
        async with ctx.session() as session:
            track = (
                await session.execute(
                    select(Track.root, Track.relative_path, Track.removed_at).where(Track.id == track_id)
                )
            ).one_or_none()
        if track is None or track.removed_at is not None:
            return
        stats = PipelineStats()
        try:
            path = media_storage(ctx).real_path(track.root, track.relative_path)
            results = await asyncio.to_thread(run_analyzers, path, track_id, analyzers, stats=stats)
        except (AudioDecodeError, MediaPathError, OSError) as exc:
            results = {a.name: exc for a in analyzers}
        if stats.partial is not None:
            log.warning("track %d decoded only in part, analysed over what decoded: %s", track_id, stats.partial)
        outcome = await store_results(ctx, track_id, analyzers, results, stats.analyzer_seconds)
        album_updates = await finish_albums(ctx, track_id, analyzers)
        summary = {"track_id": track_id, "features": outcome.features, "done": outcome.done, "failed": outcome.failed}
        await queue.cache_result(ctx, track_id, summary)
        if outcome.features or album_updates:
            await library_changed(ctx, LibraryChange(analysed=(track_id, *album_updates)))  # tempo, key … appear
        await emit(ctx, AnalysisReady(track_id=track_id, analyzers=tuple(outcome.done)))
        for member in album_updates:
            if member != track_id:
                await ctx.redis.delete(queue.RESULT_CACHE.format(member))
        if outcome.failed:
            reasons = set(outcome.failed.values())
            if len(reasons) == 1 and len(outcome.failed) == len(analyzers):
                log.warning("track %d was not analysed: %s", track_id, reasons.pop())
            else:
                log.warning("track %d: analyzers failed: %s", track_id, outcome.failed)
    finally:
        await queue.release(ctx, track_id)


@task("core:analysis-backlog", priority=Priority.LOW)
async def analysis_backlog() -> int:
    """Queue every track that an enabled analyzer has not analysed at its current version."""
    return await queue_backlog(current_context())


async def queue_backlog(ctx: CoreContext, *, track_ids: Sequence[int] | None = None) -> int:
    """Queue every pending track at low priority (once each); returns how many were queued."""
    analyzers = queue.enabled_analyzers(ctx)
    queued = 0
    for track_id in await queue.pending_tracks(ctx, analyzers, track_ids=track_ids):
        if await ctx.redis.set(queue.LOW_MARK.format(track_id), "1", nx=True, ex=queue.LOW_MARK_SECONDS):
            await send(analyze_track, track_id, priority=Priority.LOW)
            queued += 1
    if queued:
        log.info("queued %d tracks for background analysis", queued)
    return queued


async def request_analysis(ctx: CoreContext, track_id: int) -> str:
    """Queue ``track_id`` at high priority unless it is analysed or already queued.

    Returns ``"done"``, ``"queued"`` or ``"already queued"``.
    """
    if await ctx.redis.exists(queue.RESULT_CACHE.format(track_id)):
        return "done"
    if not await queue.pending_tracks(ctx, queue.enabled_analyzers(ctx), track_ids=[track_id]):
        return "done"
    if not await ctx.redis.set(queue.HIGH_LOCK.format(track_id), "1", nx=True, ex=queue.HIGH_LOCK_SECONDS):
        return "already queued"
    await send(analyze_track, track_id, priority=Priority.HIGH)
    return "queued"


def on_stream_start(ctx: CoreContext, track_id: int, user_id: int) -> Any:
    """The stream route's hook: analyse an unanalysed track first (runs in the background)."""
    seen = ctx.services.analysis_requested
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
