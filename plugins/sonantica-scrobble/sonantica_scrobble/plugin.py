"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sonantica_core.contract import PlayRecorded, PlayStarted
from sonantica_core.plugins import Plugin, hookimpl
from sonantica_core.tasks import send
from sonantica_scrobble import __version__
from sonantica_scrobble.config import ScrobbleConfig
from sonantica_scrobble.forwarder import enqueue, flush, users_with_due
from sonantica_scrobble.routes import scrobble_routes
from sonantica_scrobble.tasks import flush_scrobbles, send_now_playing

log = logging.getLogger("sonantica.plugins.scrobble")


class ScrobblePlugin(Plugin):
    """Forwards plays to ListenBrainz and Last.fm: now playing, scrobbles, an offline queue."""

    name = "scrobble"
    version = __version__
    api = ">=1,<2"
    description = "Forwards each user's plays to ListenBrainz and Last.fm"
    Config = ScrobbleConfig
    migrations = "sonantica_scrobble.migrations"

    def __init__(self) -> None:
        self._sweeper: asyncio.Task[None] | None = None

    @hookimpl
    def register_routes(self, ctx: Any) -> list[Any]:
        return scrobble_routes(ctx)

    @hookimpl
    async def on_play_started(self, ctx: Any, event: PlayStarted) -> None:
        await send(send_now_playing, event.user_id, event.track_id, event.client)

    @hookimpl
    async def on_play_recorded(self, ctx: Any, event: PlayRecorded) -> None:
        if await enqueue(ctx, event):
            await send(flush_scrobbles, event.user_id)

    @hookimpl
    def startup(self, ctx: Any, process: str) -> None:
        interval = ctx.plugin_config(self.name).sweep_interval
        if str(process) == "worker" and interval > 0:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep(ctx, interval))

    @hookimpl
    async def shutdown(self, ctx: Any, process: str) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    @staticmethod
    async def _sweep(ctx: Any, interval: float) -> None:
        """Retry what is due in the queue now and then (the services were down, or rate-limited)."""
        while True:
            await asyncio.sleep(interval)
            try:
                for user_id in await users_with_due(ctx):
                    await flush(ctx, user_id)
            except Exception:
                log.exception("the scrobble queue sweep failed; next one in %.0f s", interval)


plugin = ScrobblePlugin()
