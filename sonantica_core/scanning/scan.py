"""One scan of the media roots: walk, compare with the database, read what
changed on every core, ingest in batches, and report progress as events.

Only files whose size or mtime changed are read; an unchanged library is
compared with the database and left alone. Bad files are recorded with their
reason (and not re-read until they change); they never stop the scan.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields

from sqlalchemy import func, select, text, update

from sonantica_core.bus.library import LibraryChange, library_changed
from sonantica_core.contract import Scanner, ScanProblem
from sonantica_core.db.library import ScanProblemRow, ScanRun
from sonantica_core.errors import SonanticaError
from sonantica_core.scanning.ingest import (
    Ingestor,
    KnownTrack,
    forget_problems,
    load_known,
    load_problem_stats,
    mark_removed,
)
from sonantica_core.scanning.pipeline import Pipeline
from sonantica_core.scanning.records import TrackRecord
from sonantica_core.scanning.walk import UNKNOWN

log = logging.getLogger("sonantica.scan")

#: PostgreSQL advisory lock key held for the duration of a scan.
SCAN_LOCK_KEY = 0x5C4E  # "scan"


@dataclass
class ScanProgress:
    """Where a scan stands; published as ``scan.progress`` events."""

    run_id: int | None
    phase: str = "walking"  # walking, reading, finishing, done
    files_seen: int = 0
    files_to_read: int = 0
    files_read: int = 0
    added: int = 0
    changed: int = 0
    moved: int = 0
    removed: int = 0
    problems: int = 0
    seconds: float = 0.0
    added_ids: list[int] = field(default_factory=list, repr=False)
    changed_ids: list[int] = field(default_factory=list, repr=False)

    def as_event(self, kind: str = "scan.progress") -> dict[str, object]:
        """The event: every count, not the id lists (no deep copy of thousands of ids either)."""
        return {"type": kind, **{name: getattr(self, name) for name in _EVENT_FIELDS}}


#: The fields of :class:`ScanProgress` an event carries.
_EVENT_FIELDS = tuple(f.name for f in fields(ScanProgress) if f.name not in ("added_ids", "changed_ids"))


class ScanAlreadyRunning(SonanticaError):
    """Another scan holds the scan lock."""


ProgressCallback = Callable[[ScanProgress], Awaitable[None] | None]


async def run_scan(
    ctx: object,
    scanners: Sequence[Scanner],
    *,
    run_id: int | None = None,
    root_names: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    processes: int | None = None,
    batch_size: int = 512,
) -> ScanProgress:
    """Scan the media roots (or those named) once; returns the final counts.

    ``batch_size``: the fewest files written in one transaction (more when the writer falls behind).
    """
    settings = ctx.settings  # type: ignore[attr-defined]
    roots = [r for r in settings.media_roots if root_names is None or r.name in root_names]
    state = ScanProgress(run_id=run_id)
    started = time.monotonic()
    last_report = 0.0

    async def report(force: bool = False) -> None:
        nonlocal last_report
        now = time.monotonic()
        if not force and now - last_report < 0.5:
            return
        last_report = now
        state.seconds = round(now - started, 3)
        await ctx.events.publish(state.as_event())  # type: ignore[attr-defined]
        if progress is not None:
            result = progress(state)
            if asyncio.iscoroutine(result):
                await result

    async with ctx.engine.connect() as lock_conn:  # type: ignore[attr-defined]
        locked = (await lock_conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCAN_LOCK_KEY})).scalar()
        if not locked:
            raise ScanAlreadyRunning("a scan is already running")
        try:
            if run_id is not None:
                await _update_run(ctx, run_id, status="running")
            await _scan(ctx, scanners, roots, settings, state, report, processes, batch_size)
            state.phase = "done"
            state.seconds = round(time.monotonic() - started, 3)
            if run_id is not None:
                await _update_run(
                    ctx,
                    run_id,
                    status="done",
                    finished_at=dt.datetime.now(dt.UTC),
                    files_seen=state.files_seen,
                    files_read=state.files_read,
                    added=state.added,
                    changed=state.changed,
                    moved=state.moved,
                    removed=state.removed,
                    problems=state.problems,
                )
            await ctx.events.publish(state.as_event("scan.finished"))  # type: ignore[attr-defined]
            if progress is not None:
                result = progress(state)
                if asyncio.iscoroutine(result):
                    await result
            return state
        except BaseException as exc:
            if run_id is not None:
                await _update_run(
                    ctx, run_id, status="failed", finished_at=dt.datetime.now(dt.UTC), error=repr(exc)[:2000]
                )
            raise
        finally:
            await lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCAN_LOCK_KEY})


async def _scan(ctx, scanners, roots, settings, state: ScanProgress, report, processes, batch_size) -> None:  # type: ignore[no-untyped-def]
    root_names = [r.name for r in roots]
    async with ctx.session() as session:
        known, removed = await load_known(session, root_names)
        problem_stats = await load_problem_stats(session, root_names)
    ingestor = Ingestor(None, known)  # type: ignore[arg-type]
    ingestor.add_orphans(removed, removed=True)
    ingestor.problem_paths = set(problem_stats)
    #: A new file with the audio of a known track may be that track, moved: it waits for
    #: the end of the walk, which tells which known files are gone.
    known_hashes = {track.content_hash for track in known.values()}
    deferred: list[TrackRecord] = []
    missing: list[KnownTrack] | None = None
    problem_keys: dict[tuple[str, str], tuple[int, int]] = {}

    async def write(batch: list) -> None:  # type: ignore[type-arg]
        async with ctx.session() as session:
            ingestor.session = session
            await ingestor.ingest(batch)
        for item in batch:
            if isinstance(item, ScanProblem):
                state.problems += 1
                key = (item.root, item.relative_path)
                if key in pipeline.found.to_read:
                    problem_keys[key] = _known_stat(pipeline, key)
        state.files_read += len(batch)
        outcome = ingestor.outcome
        state.added, state.changed, state.moved = len(outcome.added), len(outcome.changed), len(outcome.moved)

    async def after_walk() -> list[KnownTrack]:
        walked = await pipeline.walked
        seen = {(s.root, s.relative_path) for s in walked.files}
        gone = [track for key, track in known.items() if key not in seen]
        walk_problem_keys = {(p.root, p.relative_path) for p in walked.problems}
        gone_problems = [key for key in problem_stats if key not in seen and key not in walk_problem_keys]
        state.files_seen, state.files_to_read = len(walked.files), len(walked.to_read)
        ingestor.add_orphans(gone, first=True)
        async with ctx.session() as session:
            ingestor.session = session
            if walked.problems:
                await ingestor.ingest(walked.problems)
            if gone_problems:
                await forget_problems(session, gone_problems)
        state.problems += len(walked.problems)
        if deferred:
            await write(deferred)
        return gone

    pipeline = Pipeline(
        roots,
        scanners,
        known=known,
        problem_stats=problem_stats,
        follow_external_symlinks=settings.follow_external_symlinks,
        storage=ctx.storage,
        processes=processes,
    )
    pipeline.start()
    state.phase = "reading"
    await report(force=True)
    try:
        async for batch in pipeline.batches(batch_size):
            if missing is None and pipeline.walked.done():
                missing = await after_walk()
            if missing is None:
                later = [
                    r
                    for r in batch
                    if isinstance(r, TrackRecord)
                    and r.audio_hash in known_hashes
                    and (r.root, r.relative_path) not in known
                ]
                if later:
                    deferred.extend(later)
                    waiting = set(map(id, later))
                    batch = [r for r in batch if id(r) not in waiting]
            await write(batch)
            state.files_seen = max(state.files_seen, len(pipeline.found.files))
            state.files_to_read = max(state.files_to_read, len(pipeline.found.to_read))
            await report()
        if missing is None:
            missing = await after_walk()
    finally:
        await pipeline.close()

    state.phase = "finishing"
    moved_ids = set(ingestor.outcome.moved)
    really_removed = [t.id for t in missing if t.id not in moved_ids]
    async with ctx.session() as session:
        await mark_removed(session, really_removed)
        if problem_keys:
            ingestor.session = session
            await ingestor.record_problem_stats(problem_keys)
    state.removed = len(really_removed)
    async with ctx.session() as session:  # every file of these roots that still cannot be read
        state.problems = await session.scalar(
            select(func.count()).select_from(ScanProblemRow).where(ScanProblemRow.root.in_(root_names))
        )
    state.added_ids = list(ingestor.outcome.added)
    state.changed_ids = sorted(set(ingestor.outcome.changed) | set(ingestor.outcome.audio_changed))
    outcome = ingestor.outcome
    await library_changed(  # type: ignore[arg-type]
        ctx,
        LibraryChange(
            added=tuple(outcome.added),
            changed=tuple(sorted(set(outcome.changed))),
            moved=tuple(outcome.moved),
            removed=tuple(really_removed),
            audio_changed=tuple(sorted(set(outcome.audio_changed) - set(outcome.changed))),
        ),
    )


def _known_stat(pipeline: Pipeline, key: tuple[str, str]) -> tuple[int, int]:
    """Size and mtime of a file sent to be read (the walk skips them for new paths: stat it now)."""
    size, mtime_ns = pipeline.found.to_read[key]
    if size == UNKNOWN:
        root = next(r for r in pipeline.roots if r.name == key[0])
        try:
            st = os.stat(root.path / key[1])
        except OSError:
            return UNKNOWN, UNKNOWN
        size, mtime_ns = st.st_size, st.st_mtime_ns
    return size, mtime_ns


async def _update_run(ctx: object, run_id: int, **values: object) -> None:
    async with ctx.session() as session:  # type: ignore[attr-defined]
        await session.execute(update(ScanRun).where(ScanRun.id == run_id).values(**values))
