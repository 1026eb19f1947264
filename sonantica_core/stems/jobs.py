"""Making stems and mixes: queued once at high priority, run by a worker, announced as they go.

* A request (``POST /api/tracks/{id}/stems``, or a mix) queues its task once: ``SET NX`` on
  a *queued* lock in Redis, dropped when the task ends (or after :data:`QUEUED_SECONDS`).
* The task that runs holds a *run* lock it refreshes every :data:`HEARTBEAT_SECONDS`; it
  expires :data:`RUN_LOCK_SECONDS` after its worker dies. A ``running`` row without its run
  lock is *interrupted*: the broker gives the unacknowledged task to another worker after
  ``TASK_REDELIVERY_SECONDS``, and a new request queues it again at once. Either way the
  run starts over from a new ``.part`` folder; nothing half-made is ever listed as ready.
* Progress goes out as ``stems.progress`` events on ``/api/events`` (``state``, ``progress``
  from 0 to 1) and is kept in Redis for listings.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
import uuid
from typing import Any

from sqlalchemy import select

from sonantica_core.analysis.errors import AudioDecodeError
from sonantica_core.bus.library import LibraryChange, library_changed
from sonantica_core.context import CoreContext
from sonantica_core.contract import StemSeparator
from sonantica_core.db.library import Track
from sonantica_core.db.stems import TrackStems
from sonantica_core.media.storage import MediaPathError, media_storage
from sonantica_core.stems import keys, store
from sonantica_core.stems.errors import SeparatorError, UnknownSeparator
from sonantica_core.stems.evict import evict
from sonantica_core.stems.keys import PROGRESS, QUEUED_LOCK, QUEUED_SECONDS, RUN_LOCK, job_key
from sonantica_core.stems.mix import gains_of, render_mix
from sonantica_core.stems.pipeline import separate_file
from sonantica_core.stems.separators import find_separator
from sonantica_core.stems.store import files_of
from sonantica_core.tasks import Priority, current_context, send, task

log = logging.getLogger("sonantica.stems")

EVENT = "stems.progress"


async def is_interrupted(ctx: CoreContext, row: TrackStems) -> bool:
    """A ``running`` row whose worker no longer holds its run lock."""
    return row.state == store.RUNNING and not await ctx.redis.exists(
        RUN_LOCK.format(job_key(row.track_id, row.separator, row.mix))
    )


async def progress_of(ctx: CoreContext, row: TrackStems) -> float | None:
    value = await ctx.redis.get(PROGRESS.format(job_key(row.track_id, row.separator, row.mix)))
    return float(value) if value is not None else None


def separation_is_current(ctx: CoreContext, row: TrackStems | None, separator: StemSeparator) -> bool:
    """A ready separation by this separator's version whose files are all there."""
    if row is None or row.state != store.READY or row.version != separator.version:
        return False
    files = files_of(ctx)
    return all(files.stem_path(row.track_id, row.separator, stem).is_file() for stem in separator.stems)


async def _queue(ctx: CoreContext, key: str, existing: TrackStems | None) -> bool:
    """Take the queued lock (or retake it for an interrupted run); False when already queued."""
    if await ctx.redis.set(QUEUED_LOCK.format(key), "1", nx=True, ex=QUEUED_SECONDS):
        return True
    if existing is not None and await is_interrupted(ctx, existing):
        await ctx.redis.set(QUEUED_LOCK.format(key), "1", ex=QUEUED_SECONDS)
        return True
    return False


async def request_separation(ctx: CoreContext, track_id: int, separator: StemSeparator) -> str:
    """Queue the separation of ``track_id`` unless it is ready or queued: ``ready``, ``queued``
    or ``already queued``."""
    existing = await store.row(ctx, track_id, separator.name)
    if separation_is_current(ctx, existing, separator):
        return "ready"
    key = job_key(track_id, separator.name)
    if not await _queue(ctx, key, existing):
        return "already queued"
    await store.mark_queued(
        ctx, track_id, separator.name, force=existing is not None and existing.state == store.RUNNING,
        version=separator.version, quality=str(separator.quality), sample_rate=int(separator.sample_rate),
    )
    await send(separate_track, track_id, separator.name, priority=Priority.HIGH)
    await _announce(ctx, track_id, separator.name, "", store.QUEUED, 0.0)
    return "queued"


async def request_mix(ctx: CoreContext, track_id: int, separator: StemSeparator, key: str) -> str:
    """Queue the rendering of a mix of a ready separation: ``ready``, ``queued`` or ``already queued``."""
    existing = await store.row(ctx, track_id, separator.name, key)
    if existing is not None and existing.state == store.READY and files_of(ctx).mix_path(
        track_id, separator.name, key
    ).is_file():
        return "ready"
    job = job_key(track_id, separator.name, key)
    if not await _queue(ctx, job, existing):
        return "already queued"
    await store.mark_queued(ctx, track_id, separator.name, key, force=existing is not None,
                            version=separator.version, quality=str(separator.quality),
                            sample_rate=int(separator.sample_rate))
    await send(render_track_mix, track_id, separator.name, key, priority=Priority.HIGH)
    await _announce(ctx, track_id, separator.name, key, store.QUEUED, 0.0)
    return "queued"


@task("core:stems", priority=Priority.HIGH)
async def separate_track(track_id: int, separator: str) -> str:
    """Separate one track with one separator (the outcome: ``ready``, ``failed``, ...)."""
    return await run_separation(current_context(), track_id, separator)


@task("core:stems-mix", priority=Priority.HIGH)
async def render_track_mix(track_id: int, separator: str, key: str) -> str:
    """Render one mix of a ready separation."""
    return await run_mix(current_context(), track_id, separator, key)


class _RunLock:
    """The run lock of one job, refreshed while the job runs."""

    def __init__(self, ctx: CoreContext, key: str) -> None:
        self.ctx = ctx
        self.key = key
        self.name = RUN_LOCK.format(key)
        self.token = uuid.uuid4().hex
        self._beat: asyncio.Task[None] | None = None

    async def take(self) -> bool:
        if not await self.ctx.redis.set(self.name, self.token, nx=True, ex=keys.RUN_LOCK_SECONDS):
            return False
        self._beat = asyncio.create_task(self._refresh())
        return True

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(keys.HEARTBEAT_SECONDS)
            try:
                await self.ctx.redis.set(self.name, self.token, xx=True, ex=keys.RUN_LOCK_SECONDS)
            except Exception as exc:  # Redis away for a moment: try again at the next beat
                log.warning("could not refresh the stems run lock %s: %s", self.name, exc)

    async def release(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
        if await self.ctx.redis.get(self.name) == self.token.encode():
            await self.ctx.redis.delete(self.name)
        await self.ctx.redis.delete(QUEUED_LOCK.format(self.key), PROGRESS.format(self.key))


class _Progress:
    """Progress of a run in a worker thread, published from the event loop at most once a second."""

    def __init__(self, ctx: CoreContext, track_id: int, separator: str, mix: str) -> None:
        self.ctx, self.track_id, self.separator, self.mix = ctx, track_id, separator, mix
        self.loop = asyncio.get_running_loop()
        self._last = 0.0
        self._pending: set[Any] = set()

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last < 1.0:
            return
        self._last = now
        future = asyncio.run_coroutine_threadsafe(
            _announce(self.ctx, self.track_id, self.separator, self.mix, store.RUNNING, fraction), self.loop
        )
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)


async def _announce(ctx: CoreContext, track_id: int, separator: str, mix: str, state: str, progress: float,
                    **extra: Any) -> None:
    key = job_key(track_id, separator, mix)
    if state in (store.QUEUED, store.RUNNING):
        await ctx.redis.set(PROGRESS.format(key), json.dumps(round(progress, 4)), ex=QUEUED_SECONDS)
    event = {"type": EVENT, "track_id": track_id, "separator": separator, "state": state,
             "progress": round(progress, 4), **extra}
    if mix:
        event["mix"] = mix
    await ctx.events.publish(event)


async def _track_path(ctx: CoreContext, track_id: int) -> Any:
    async with ctx.session() as session:
        track = (
            await session.execute(select(Track.root, Track.relative_path, Track.removed_at).where(Track.id == track_id))
        ).one_or_none()
    if track is None or track.removed_at is not None:
        return None
    return media_storage(ctx).real_path(track.root, track.relative_path)


async def run_separation(ctx: CoreContext, track_id: int, name: str) -> str:
    """Make the stems of ``track_id`` with separator ``name`` unless another worker is at it."""
    lock = _RunLock(ctx, job_key(track_id, name))
    if not await lock.take():
        return "running elsewhere"
    try:
        try:
            separator = find_separator(ctx, name)
        except UnknownSeparator as exc:
            await store.mark_failed(ctx, track_id, name, str(exc))
            await _announce(ctx, track_id, name, "", store.FAILED, 0.0, error=str(exc))
            return "failed"
        if separation_is_current(ctx, await store.row(ctx, track_id, name), separator):
            return "ready"
        files = files_of(ctx)
        files.drop_parts(track_id, name)  # whatever a killed run left behind
        try:
            path = await _track_path(ctx, track_id)
        except MediaPathError as exc:
            path, problem = None, str(exc)
        else:
            problem = "the track is not in the library"
        await store.mark_running(ctx, track_id, name, version=separator.version, quality=str(separator.quality),
                                 sample_rate=int(separator.sample_rate))
        if path is None:
            await store.mark_failed(ctx, track_id, name, problem)
            await _announce(ctx, track_id, name, "", store.FAILED, 0.0, error=problem)
            return "failed"
        await _announce(ctx, track_id, name, "", store.RUNNING, 0.0)
        part = files.new_part_dir(track_id, name)
        try:
            sizes = await asyncio.to_thread(
                separate_file, path, separator, part, progress=_Progress(ctx, track_id, name, "")
            )
            files.publish(part, track_id, name)
        except (AudioDecodeError, SeparatorError, OSError) as exc:
            shutil.rmtree(part, ignore_errors=True)
            log.warning("track %d: separation by %s failed: %s", track_id, name, exc)
            await store.mark_failed(ctx, track_id, name, str(exc))
            await _announce(ctx, track_id, name, "", store.FAILED, 0.0, error=str(exc))
            return "failed"
        await _forget_mixes(ctx, track_id, name)  # they were made from the stems just replaced
        await store.mark_ready(ctx, track_id, name, sizes)
        await library_changed(ctx, LibraryChange(stems=(track_id,)))  # the track shows its stems
        await _announce(ctx, track_id, name, "", store.READY, 1.0, bytes=sum(sizes.values()))
    finally:
        await lock.release()
    await evict(ctx)  # keep within STEMS_MAX_BYTES
    return "ready"


async def _forget_mixes(ctx: CoreContext, track_id: int, separator: str) -> None:
    for row in await store.rows_of(ctx, track_id):
        if row.separator == separator and row.mix:
            await store.forget(ctx, track_id, separator, row.mix)


async def run_mix(ctx: CoreContext, track_id: int, name: str, key: str) -> str:
    """Render mix ``key`` of the ready separation of ``track_id`` by ``name``."""
    lock = _RunLock(ctx, job_key(track_id, name, key))
    if not await lock.take():
        return "running elsewhere"
    try:
        files = files_of(ctx)
        target = files.mix_path(track_id, name, key)
        current = await store.row(ctx, track_id, name, key)
        if current is not None and current.state == store.READY and target.is_file():
            return "ready"
        separation = await store.row(ctx, track_id, name)
        await store.mark_running(ctx, track_id, name, key)
        if separation is None or separation.state != store.READY:
            problem = "the stems are not separated (any more); separate them first"
            await store.mark_failed(ctx, track_id, name, problem, key)
            await _announce(ctx, track_id, name, key, store.FAILED, 0.0, error=problem)
            return "failed"
        sources = {stem: files.stem_path(track_id, name, stem) for stem in separation.stems}
        await _announce(ctx, track_id, name, key, store.RUNNING, 0.0)
        try:
            size = await asyncio.to_thread(render_mix, sources, gains_of(key), target)
        except (OSError, RuntimeError) as exc:  # soundfile raises RuntimeError for bad files
            await store.mark_failed(ctx, track_id, name, str(exc), key)
            await _announce(ctx, track_id, name, key, store.FAILED, 0.0, error=str(exc))
            return "failed"
        await store.mark_ready(ctx, track_id, name, {"mix": size}, key)
        await _announce(ctx, track_id, name, key, store.READY, 1.0, bytes=size)
    finally:
        await lock.release()
    await evict(ctx)
    return "ready"
