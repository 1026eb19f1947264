"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import Any

from sonantica_core.contract import PlayRecorded
from sonantica_core.plugins import Plugin, hookimpl
from sonantica_subsonic import __version__


class SubsonicPlugin(Plugin):
    """The OpenSubsonic API at ``/rest``."""

    name = "subsonic"
    version = __version__
    api = ">=1,<2"
    description = "The OpenSubsonic API at /rest for Subsonic apps (Symfonium, DSub, Feishin, Supersonic …)"
    migrations = "sonantica_subsonic.migrations"
    owned_paths = ("/rest",)

    @hookimpl
    def register_owned_routes(self, ctx: Any) -> dict[str, list[Any]]:
        # importing the call modules registers their methods
        from sonantica_subsonic import browsing, lists, media, searching, sonic, system, userdata  # noqa: F401
        from sonantica_subsonic.api import build_routes

        return {"/rest": build_routes(ctx)}

    @hookimpl
    async def on_play_recorded(self, ctx: Any, event: PlayRecorded) -> None:
        from sonantica_subsonic.answers import user_data_changed

        await user_data_changed(ctx, event.user_id)  # play counts, "frequent" and "recent" change


plugin = SubsonicPlugin()
