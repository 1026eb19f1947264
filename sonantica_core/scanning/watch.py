"""Watching the media roots: changes on disk queue an incremental scan within seconds.

Runs in the web process but does no scanning itself: it only notices changes
(watchfiles, inotify on Linux) and queues a scan of the affected roots. With
several web replicas, one holds a Redis lock and watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

from watchfiles import awatch

from sonantica_core.settings import MediaRoot

log = logging.getLogger("sonantica.watch")

LOCK_KEY = "sonantica:watcher"
LOCK_SECONDS = 30


def _roots_touched(changes: set[tuple[object, str]], roots: tuple[MediaRoot, ...]) -> list[str]:
    touched = []
    for root in roots:
        prefix = str(root.path).rstrip(os.sep) + os.sep
        if any(path.startswith(prefix) and "/." not in path[len(prefix) - 1 :] for _, path in changes):
            touched.append(root.name)
    return touched


async def watch_roots(ctx: object, stop: asyncio.Event, *, debounce_ms: int = 1500) -> None:
    """Until ``stop``: hold the watcher lock and queue scans for changed roots."""
    from sonantica_core.scanning.tasks import request_scan

    settings = ctx.settings  # type: ignore[attr-defined]
    roots = settings.media_roots
    if not roots:
        return
    me = f"{socket.gethostname()}:{os.getpid()}"
    redis = ctx.redis  # type: ignore[attr-defined]
    while not stop.is_set():
        if await redis.set(LOCK_KEY, me, nx=True, ex=LOCK_SECONDS) or await redis.get(LOCK_KEY) == me.encode():
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), LOCK_SECONDS / 2)
    if stop.is_set():
        return

    async def keep_lock() -> None:
        while True:
            await asyncio.sleep(LOCK_SECONDS / 3)
            await redis.set(LOCK_KEY, me, ex=LOCK_SECONDS)

    keeper = asyncio.create_task(keep_lock())
    log.info("watching %s", ", ".join(str(r.path) for r in roots))
    try:
        async for changes in awatch(*(r.path for r in roots), stop_event=stop, debounce=debounce_ms, recursive=True):
            touched = _roots_touched(changes, roots)
            if touched:
                log.info("changes in %s: queueing a scan", ", ".join(touched))
                try:
                    await request_scan(ctx, roots=touched)
                except Exception:
                    log.exception("could not queue a scan after changes")
    finally:
        keeper.cancel()
        with contextlib.suppress(Exception):
            if await redis.get(LOCK_KEY) == me.encode():
                await redis.delete(LOCK_KEY)
