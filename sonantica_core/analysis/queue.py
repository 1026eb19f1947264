"""The bookkeeping of the analysis queue: who is pending, locks and markers, cached results.
(The tasks and their queueing are in :mod:`sonantica_core.analysis.tasks`.)

* The backlog comes from the database: present tracks that lack a ``done`` or
  ``failed`` row for an enabled analyzer at its current version. It is queued at
  low priority, each track once (a marker in Redis), after scans and at start-up.
* A track someone presses play on (or ``POST /api/tracks/{id}/analyze``) is queued
  at high priority exactly once: ``SET NX`` on a lock with an expiry, released
  when the analysis ends. The result is cached in Redis and announced with an
  ``analysis.ready`` event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from sonantica_core.context import CoreContext
from sonantica_core.contract import Analyzer

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


async def release(ctx: CoreContext, track_id: int) -> None:
    await ctx.redis.delete(HIGH_LOCK.format(track_id), LOW_MARK.format(track_id))


async def cache_result(ctx: CoreContext, track_id: int, summary: dict[str, Any]) -> None:
    await ctx.redis.set(RESULT_CACHE.format(track_id), json.dumps(summary, default=str), ex=RESULT_CACHE_SECONDS)


async def cached_result(ctx: CoreContext, track_id: int) -> dict[str, Any] | None:
    raw = await ctx.redis.get(RESULT_CACHE.format(track_id))
    return json.loads(raw) if raw else None
