"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import Any

from sonantica_core.contract import MetadataProvider
from sonantica_core.plugins import Plugin, hookimpl
from sonantica_musicbrainz import __version__
from sonantica_musicbrainz.config import MusicBrainzConfig
from sonantica_musicbrainz.errors import NoContact
from sonantica_musicbrainz.provider import MusicBrainzProvider


class MusicBrainzPlugin(Plugin):
    """Album facts from MusicBrainz and front covers from the Cover Art Archive (a metadata provider)."""

    name = "musicbrainz"
    version = __version__
    api = ">=1,<2"
    description = "Release dates, labels, types, genres and covers from MusicBrainz and the Cover Art Archive"
    Config = MusicBrainzConfig

    @hookimpl
    def startup(self, ctx: Any) -> None:
        if not ctx.settings.contact.strip():
            raise NoContact("MusicBrainz asks every client for a contact: set CONTACT (an e-mail address or URL)")

    @hookimpl
    def register_metadata_providers(self, ctx: Any) -> list[MetadataProvider]:
        return [MusicBrainzProvider(ctx, ctx.plugin_config(self.name))]


plugin = MusicBrainzPlugin()
