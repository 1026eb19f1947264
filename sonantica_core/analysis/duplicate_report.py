"""The library's duplicate report: computed by a task in a worker, kept in Redis, read by requests.

``GET /api/library/duplicates`` never computes: it reads the last report (one Redis ``GET``)
and, when the library has changed since that report was made, queues :func:`compute_duplicates`
once (a Redis lock stops a second copy). A changing library (an analysis backlog bumps the
library generation every few seconds) is recomputed at most every :func:`recompute_interval`,
so the report costs the workers a bounded share of their time however large the library.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select, update

from sonantica_core.analysis.duplicates import (
    MAX_BIT_ERROR_RATE,
    IndexedTrack,
    candidate_pairs,
    fingerprint_terms,
    group_pairs,
    verify,
)
from sonantica_core.bus.library import GENERATION_KEY
from sonantica_core.context import CoreContext
from sonantica_core.db.analysis import TrackFingerprint
from sonantica_core.db.library import Track
from sonantica_core.tasks import Priority, current_context, send, task

log = logging.getLogger("sonantica.duplicates")

#: The last report's facts (JSON: generation, when, how long, counts), whichever generation it was made for.
REPORT_KEY = "sonantica:duplicates:report"
#: Its groups, as the JSON array the API answers (kept apart so a request copies it without parsing).
GROUPS_KEY = "sonantica:duplicates:groups"
#: Held while a computation is queued or running.
LOCK_KEY = "sonantica:duplicates:computing"
LOCK_SECONDS = 30 * 60
#: Shortest pause between two computations, seconds.
MIN_INTERVAL = 60.0
#: A computation may take at most this share of the time between two of them.
MAX_SHARE = 0.1
#: Rows read or written per database round trip.
BATCH = 5_000


def recompute_interval(last_seconds: float) -> float:
    """Seconds to wait after a report that took ``last_seconds`` before making the next."""
    return max(MIN_INTERVAL, last_seconds / MAX_SHARE)


@dataclass(frozen=True, slots=True)
class DuplicateReport:
    """A report as a request sees it."""

    #: The report's facts (see :func:`build_report`); None when none was made yet.
    document: dict[str, Any] | None
    #: Its groups as a JSON array.
    groups_json: bytes
    #: The library changed since the report was made.
    stale: bool
    #: A computation is queued or running.
    computing: bool


async def _generation(ctx: CoreContext) -> int:
    raw = await ctx.redis.get(GENERATION_KEY)
    return int(raw) if raw is not None else 0


async def read_report(ctx: CoreContext) -> DuplicateReport:
    """The last report, and a computation queued when it is missing or stale (never computes here)."""
    raw, groups, generation = *(await ctx.redis.mget(REPORT_KEY, GROUPS_KEY)), await _generation(ctx)
    document = json.loads(raw) if raw is not None and groups is not None else None
    stale = document is None or document.get("generation") != generation
    computing = bool(await ctx.redis.exists(LOCK_KEY))
    if stale and not computing and _due(document):
        computing = await request_report(ctx)
    return DuplicateReport(
        document=document,
        groups_json=groups if document is not None else b"[]",
        stale=stale and document is not None,
        computing=computing,
    )


def _due(document: dict[str, Any] | None) -> bool:
    if document is None:
        return True
    finished = float(document.get("finished", 0.0))
    return time.time() - finished >= recompute_interval(float(document.get("seconds", 0.0)))


async def request_report(ctx: CoreContext) -> bool:
    """Queue a computation unless one is queued or running; True when one is now on its way."""
    if not await ctx.redis.set(LOCK_KEY, "1", nx=True, ex=LOCK_SECONDS):
        return True
    try:
        await send(compute_duplicates, priority=Priority.LOW)
    except Exception:
        await ctx.redis.delete(LOCK_KEY)
        raise
    return True


@task("core:duplicates", priority=Priority.LOW)
async def compute_duplicates() -> int:
    """Make the duplicate report of the present library and keep it; returns the number of groups."""
    ctx = current_context()
    try:
        document = await build_report(ctx)
        await store_report(ctx, document)
        log.info(
            "duplicates: %d groups among %d fingerprinted tracks (%d candidate pairs) in %.1f s",
            len(document["groups"]),
            document["tracks_indexed"],
            document["candidate_pairs"],
            document["seconds"],
        )
        return len(document["groups"])
    finally:
        await ctx.redis.delete(LOCK_KEY)


async def store_report(ctx: CoreContext, document: dict[str, Any]) -> None:
    """Keep a report of :func:`build_report` for requests to read."""
    facts = {key: value for key, value in document.items() if key != "groups"}
    facts["group_count"] = len(document["groups"])
    groups = json.dumps(document["groups"], separators=(",", ":"), ensure_ascii=False).encode()
    async with ctx.redis.pipeline(transaction=True) as both:  # readers see both or neither
        both.set(GROUPS_KEY, groups)
        both.set(REPORT_KEY, json.dumps(facts))
        await both.execute()


async def build_report(ctx: CoreContext) -> dict[str, Any]:
    """Find the duplicate groups of the present library (see :mod:`sonantica_core.analysis.duplicates`)."""
    started, cpu_started = time.monotonic(), time.process_time()
    generation = await _generation(ctx)  # read first: a change while computing leaves the report stale
    await _index_missing_terms(ctx)
    tracks = await _indexed_tracks(ctx)
    pairs = await asyncio.to_thread(candidate_pairs, tracks)
    matched = await _verified(ctx, pairs)
    groups = group_pairs(matched)
    document = {
        "generation": generation,
        "computed_at": dt.datetime.now(dt.UTC).isoformat(),
        "finished": time.time(),
        "seconds": round(time.monotonic() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu_started, 3),
        "tracks_indexed": len(tracks),
        "candidate_pairs": len(pairs),
        "groups": await _describe(ctx, groups),
    }
    return document


async def _index_missing_terms(ctx: CoreContext) -> None:
    """Give fingerprints stored before terms existed their terms."""
    while True:
        async with ctx.session() as session:
            rows = (
                await session.execute(
                    select(TrackFingerprint.track_id, TrackFingerprint.fingerprint)
                    .where(TrackFingerprint.terms.is_(None))
                    .limit(BATCH // 5)
                )
            ).all()
            if not rows:
                return
            for row in rows:
                codes = _codes(row.track_id, row.fingerprint)
                terms = fingerprint_terms(codes) if codes is not None else np.empty(0, dtype=np.uint32)
                await session.execute(
                    update(TrackFingerprint)
                    .where(TrackFingerprint.track_id == row.track_id)
                    .values(terms=terms.tobytes())
                )


async def _indexed_tracks(ctx: CoreContext) -> list[IndexedTrack]:
    async with ctx.session() as session:
        result = await session.stream(
            select(TrackFingerprint.track_id, TrackFingerprint.algorithm, TrackFingerprint.duration,
                   TrackFingerprint.terms)
            .join(Track, Track.id == TrackFingerprint.track_id)
            .where(Track.removed_at.is_(None), TrackFingerprint.terms.is_not(None))
            .execution_options(yield_per=BATCH)
        )
        return [
            IndexedTrack(row.track_id, row.algorithm, row.duration, np.frombuffer(row.terms, dtype=np.uint32))
            async for row in result
        ]


async def _verified(ctx: CoreContext, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The candidate pairs whose fingerprints match at their best alignment."""
    if not pairs:
        return []
    wanted = sorted({track_id for pair in pairs for track_id in pair})
    codes: dict[int, np.ndarray] = {}
    async with ctx.session() as session:
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            rows = await session.execute(
                select(TrackFingerprint.track_id, TrackFingerprint.fingerprint).where(
                    TrackFingerprint.track_id.in_(chunk)
                )
            )
            for row in rows:
                if (words := _codes(row.track_id, row.fingerprint)) is not None:
                    codes[row.track_id] = words
    return await asyncio.to_thread(_matching, pairs, codes)


def _codes(track_id: int, stored: bytes) -> np.ndarray | None:
    """A stored fingerprint's sub-fingerprints; None (and a warning) for bytes that are not 32-bit words."""
    if len(stored) % 4:
        log.warning("track %d: its stored fingerprint is damaged (%d bytes); it is left out", track_id, len(stored))
        return None
    return np.frombuffer(stored, dtype=np.uint32)


def _matching(pairs: Iterable[tuple[int, int]], codes: dict[int, np.ndarray]) -> list[tuple[int, int]]:
    matched = []
    for a, b in pairs:
        if a in codes and b in codes and verify(codes[a], codes[b]) <= MAX_BIT_ERROR_RATE:
            matched.append((a, b))
    return matched


async def _describe(ctx: CoreContext, groups: list[list[int]]) -> list[dict[str, Any]]:
    ids = [track_id for group in groups for track_id in group]
    tracks: dict[int, Any] = {}
    async with ctx.session() as session:
        for start in range(0, len(ids), BATCH):
            rows = await session.execute(select(Track).where(Track.id.in_(ids[start : start + BATCH])))
            tracks.update((t.id, t) for t in rows.scalars())
    described = []
    for group in groups:
        present = [tracks[tid] for tid in group if tid in tracks]
        if len(present) < 2:
            continue
        described.append(
            {
                "tracks": [
                    {
                        "id": t.id,
                        "title": t.title,
                        "artist": t.artist,
                        "path": f"{t.root}/{t.relative_path}",
                        "codec": t.codec,
                        "lossless": t.lossless,
                        "bitrate": t.bitrate,
                        "size": t.size,
                    }
                    for t in present
                ]
            }
        )
    return described
