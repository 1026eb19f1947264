"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import Any

from sonantica_core.plugins import Plugin, hookimpl
from sonantica_web import __version__
from sonantica_web.assets import static_assets
from sonantica_web.routes import web_routes


class WebPlugin(Plugin):
    """The web player: a page and its files, served from the package."""

    name = "web"
    version = __version__
    api = ">=1,<2"
    description = "The web player: browse, search, play on a waveform, playlists, admin"
    home_page = "/plugins/web/"  # the server's address leads here

    def validate_environment(self) -> None:
        static_assets()  # raises AssetError, naming the fix, when the package lacks its files

    @hookimpl
    def register_routes(self, ctx: Any) -> list[Any]:
        return web_routes(ctx)


plugin = WebPlugin()
