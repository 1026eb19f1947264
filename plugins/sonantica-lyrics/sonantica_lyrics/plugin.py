"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import Any

from sonantica_core.contract import LyricsProvider
from sonantica_core.plugins import Plugin, hookimpl
from sonantica_lyrics import __version__
from sonantica_lyrics.config import LyricsConfig
from sonantica_lyrics.embedded import EmbeddedLyricsProvider
from sonantica_lyrics.sidecar import SidecarLyricsProvider


class LyricsPlugin(Plugin):
    """Two lyrics providers that read local files: ``embedded`` (tags) and ``sidecar`` (``.lrc``)."""

    name = "lyrics"
    version = __version__
    api = ">=1,<2"
    description = "Lyrics from the files' tags and .lrc sidecars (plain and enhanced LRC)"
    Config = LyricsConfig

    @hookimpl
    def register_lyrics_providers(self, ctx: Any) -> list[LyricsProvider]:
        config: LyricsConfig = ctx.plugin_config(self.name)
        providers: list[LyricsProvider] = []
        if config.embedded:
            providers.append(EmbeddedLyricsProvider())
        if config.sidecar:
            providers.append(SidecarLyricsProvider(config.max_sidecar_bytes))
        return providers


plugin = LyricsPlugin()
