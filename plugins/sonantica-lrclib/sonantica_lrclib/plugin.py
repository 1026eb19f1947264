"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import Any

from sonantica_core.contract import LyricsProvider, TracksChanged
from sonantica_core.plugins import Plugin, PluginCommand, hookimpl
from sonantica_core.tasks import send
from sonantica_lrclib import __version__
from sonantica_lrclib.commands import fetch_command
from sonantica_lrclib.config import LrclibConfig
from sonantica_lrclib.provider import LrclibLyricsProvider
from sonantica_lrclib.routes import lyrics_routes
from sonantica_lrclib.tasks import fetch_lyrics  # importing registers the task in workers


class LrclibPlugin(Plugin):
    """Lyrics from LRCLIB: a lyrics provider, a cache table, a task, a route and a command."""

    name = "lrclib"
    version = __version__
    api = ">=1,<2"
    description = "Plain and synchronised lyrics from lrclib.net"
    Config = LrclibConfig
    migrations = "sonantica_lrclib.migrations"

    @hookimpl
    def register_lyrics_providers(self, ctx: Any) -> list[LyricsProvider]:
        return [LrclibLyricsProvider(ctx, ctx.plugin_config(self.name))]

    @hookimpl
    def register_routes(self, ctx: Any) -> list[Any]:
        return lyrics_routes(ctx)

    @hookimpl
    def register_commands(self) -> list[PluginCommand]:
        return [fetch_command]

    @hookimpl
    async def on_tracks_changed(self, ctx: Any, event: TracksChanged) -> None:
        if ctx.plugin_config(self.name).fetch_on_scan:
            for track_id in event.added:
                await send(fetch_lyrics, track_id)


plugin = LrclibPlugin()
