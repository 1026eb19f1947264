"""The task that asks LRCLIB about one track and caches the answer (runs in a worker)."""

from __future__ import annotations

import logging

from sonantica_core.plugins import track_ref
from sonantica_core.tasks import Priority, current_context, task
from sonantica_lrclib.provider import LrclibLyricsProvider
from sonantica_lrclib.store import cached_lyrics, save_lyrics

log = logging.getLogger("sonantica.plugins.lrclib")


@task("lrclib:fetch", priority=Priority.LOW, retry_on_error=True, max_retries=3)
async def fetch_lyrics(track_id: int, force: bool = False) -> str:
    """Look ``track_id`` up on LRCLIB unless the cache settles it; returns what happened.

    ``"cached"``, ``"found"``, ``"not found"`` or ``"no such track"``. An
    unreachable LRCLIB raises, so the queue tries again later.
    """
    ctx = current_context()
    config = ctx.plugin_config("lrclib")
    if config is None:
        raise RuntimeError("the lrclib plugin is not enabled in this worker's plugins.toml")
    if not force:
        cached = await cached_lyrics(ctx, track_id)
        if cached is not None and cached.is_settled(config.retry_missing_after_days):
            return "cached"
    track = await track_ref(ctx, track_id)
    if track is None:
        return "no such track"
    record = await LrclibLyricsProvider(ctx, config).lookup(track, fresh=force)
    await save_lyrics(ctx, track_id, record)
    await ctx.events.publish({"type": "lrclib.lyrics", "track_id": track_id, "found": record is not None})
    outcome = "found" if record is not None else "not found"
    log.info("LRCLIB lyrics for track %d: %s", track_id, outcome)
    return outcome
