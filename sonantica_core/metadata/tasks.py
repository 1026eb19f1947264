"""Enrichment as low-priority tasks: after a scan (albums never enriched) and on demand."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import exists, select

from sonantica_core.db.enrichment import EnrichmentRun
from sonantica_core.db.library import Album, Track
from sonantica_core.metadata.apply import reapply_track_values
from sonantica_core.metadata.enrich import enrich_album
from sonantica_core.plugins import manager_of
from sonantica_core.tasks import Priority, current_context, send, task

log = logging.getLogger("sonantica.metadata")


@task("core:enrich-album", priority=Priority.LOW)
async def enrich_album_task(album_id: int) -> list[dict[str, Any]]:
    """Ask every metadata provider about one album; returns each provider's outcome."""
    ctx = current_context()
    try:
        outcomes = await enrich_album(ctx, album_id)
    finally:
        await ctx.redis.delete(_queued_key(album_id))
    return [{"provider": o.provider, "status": o.status, "values": o.values, "error": o.error} for o in outcomes]


def _queued_key(album_id: int) -> str:
    return f"sonantica:enrich:queued:{album_id}"


async def request_enrichment(ctx: Any, album_id: int) -> bool:
    """Queue the album's enrichment unless it is queued already; True if queued now."""
    if not await ctx.redis.set(_queued_key(album_id), "1", nx=True, ex=6 * 3600):
        return False
    await send(enrich_album_task, album_id, priority=Priority.LOW)
    return True


async def albums_never_enriched(ctx: Any, limit: int | None = None) -> list[int]:
    """Albums with present tracks that no provider was asked about yet, oldest first."""
    query = (
        select(Album.id)
        .where(exists().where(Track.album_id == Album.id, Track.removed_at.is_(None)),
               ~exists().where(EnrichmentRun.album_id == Album.id))
        .order_by(Album.id)
        .limit(limit)
    )
    async with ctx.session() as session:
        return list((await session.execute(query)).scalars())


async def queue_enrichment_backlog(ctx: Any) -> int:
    """After a scan: queue every album never enriched, when a metadata provider is enabled; returns how many."""
    providers = manager_of(ctx).metadata_providers(ctx)
    if not providers:
        return 0
    async with ctx.session() as session:  # files a scan read again lost what providers filled in
        await reapply_track_values(session, [provider.name for provider in providers],
                                   ctx.settings.metadata_overwrite_tags)
    queued = 0
    for album_id in await albums_never_enriched(ctx):
        queued += await request_enrichment(ctx, album_id)
    if queued:
        log.info("queued the enrichment of %d albums", queued)
    return queued
