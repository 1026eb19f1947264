"""The analysis task: decode once, run every enabled analyzer, keep the results."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from sonantica_core.analysis import queue
from sonantica_core.analysis.errors import AudioDecodeError
from sonantica_core.analysis.pipeline import PipelineStats, run_analyzers
from sonantica_core.analysis.store import finish_albums, store_results
from sonantica_core.bus.notify import emit
from sonantica_core.contract import AnalysisReady
from sonantica_core.db.library import Track
from sonantica_core.media.storage import MediaPathError, media_storage
from sonantica_core.tasks import Priority, current_context, task

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
        outcome = await store_results(ctx, track_id, analyzers, results, stats.analyzer_seconds)
        album_updates = await finish_albums(ctx, track_id, analyzers)
        summary = {"track_id": track_id, "features": outcome.features, "done": outcome.done, "failed": outcome.failed}
        await queue.cache_result(ctx, track_id, summary)
        if outcome.features or album_updates:
            from sonantica_core.http.responsecache import bump_library_generation_soon

            await bump_library_generation_soon(ctx)  # tempo, key … appear in the library's answers
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
    return await queue.queue_backlog(current_context())
