"""The scan as a queued task, and how the web process asks for one."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import insert

from sonantica_core.context import CoreContext
from sonantica_core.contract import Scanner
from sonantica_core.db.library import ScanRun
from sonantica_core.scanning.scan import ScanAlreadyRunning, run_scan
from sonantica_core.tasks import Priority, current_context, send, task

log = logging.getLogger("sonantica.scan")

#: Set while a scan was asked for during another one; the running scan goes again.
AGAIN_KEY = "sonantica:scan:again"


def enabled_scanners(ctx: CoreContext) -> list[Scanner]:
    """The scanners of enabled plugins, in plugins.toml order."""
    from sonantica_core.plugins import manager_of

    return list(manager_of(ctx).scanners(ctx))


@task("core:scan", priority=Priority.LOW)
async def scan_library(run_id: int | None = None, roots: list[str] | None = None) -> None:
    """Scan the media roots (all, or those named), then again if asked meanwhile."""
    ctx = current_context()
    scanners = enabled_scanners(ctx)
    if not scanners:
        log.warning("no scanner plugin is enabled: nothing can read the music folders")
    while True:
        try:
            await run_scan(ctx, scanners, run_id=run_id, root_names=roots)
            from sonantica_core.analysis.tasks import queue_backlog

            await queue_backlog(ctx)  # new and changed tracks, at low priority
            from sonantica_core.metadata.tasks import queue_enrichment_backlog

            await queue_enrichment_backlog(ctx)  # albums no metadata provider was asked about yet
        except ScanAlreadyRunning:
            await ctx.redis.set(AGAIN_KEY, "1", ex=3600)
            log.info("a scan is running; it will go again when it ends")
            return
        if not await ctx.redis.getdel(AGAIN_KEY):
            return
        run_id, roots = None, None


async def request_scan(ctx: object, *, requested_by: int | None = None, roots: Sequence[str] | None = None) -> int:
    """Record a scan run and queue it; returns the run's id."""
    async with ctx.session() as session:  # type: ignore[attr-defined]
        run_id = (
            await session.execute(
                insert(ScanRun).values(status="queued", requested_by=requested_by).returning(ScanRun.id)
            )
        ).scalar_one()
    await send(scan_library, run_id, list(roots) if roots else None, priority=Priority.LOW)
    return run_id
