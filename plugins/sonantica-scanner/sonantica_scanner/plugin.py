"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from sonantica_core.context import CoreContext
from sonantica_core.contract import Scanner
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl
from sonantica_scanner import __version__
from sonantica_scanner.scanner import MutagenScanner


class ScannerConfig(PluginConfig):
    """``[plugins.scanner]`` settings."""

    #: Separators that split one artist string into several artists (besides real multi-values).
    separators: tuple[str, ...] = (";", " / ")
    #: File names (without extension) of cover images beside the music.
    folder_cover_names: tuple[str, ...] = ("cover", "folder", "front")
    #: Read cover art (embedded and beside the files).
    read_covers: bool = True
    #: Guess title, artist and album from the path when a file has no tags.
    guess_from_paths: bool = True


class ScannerPlugin(Plugin):
    """Reads every format mutagen reads: tags, technical details, covers, audio identity."""

    name = "scanner"
    version = __version__
    description = "Reads tags, covers and audio identity with mutagen"
    Config = ScannerConfig

    @hookimpl
    def register_scanners(self, ctx: CoreContext | None) -> list[Scanner]:
        """The scanners this plugin provides, configured from ``[plugins.scanner]``."""
        config = ctx.plugin_config(self.name) if ctx is not None else None
        if not isinstance(config, ScannerConfig):
            config = ScannerConfig()
        return [
            MutagenScanner(
                separators=config.separators,
                folder_cover_names=config.folder_cover_names,
                read_covers=config.read_covers,
                guess_from_paths=config.guess_from_paths,
            )
        ]


plugin = ScannerPlugin()
