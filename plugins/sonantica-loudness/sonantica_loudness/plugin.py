"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sonantica_core.contract import Analyzer
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .analyzer import LoudnessAnalyzer

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class LoudnessConfig(PluginConfig):
    """``[plugins.loudness]`` settings."""

    #: Count a mono file twice (+3 dB), as if it played on two speakers (FFmpeg's ``dualmono``).
    dual_mono: bool = False


class LoudnessPlugin(Plugin):
    """Provides the ``loudness`` analyzer."""

    name = "loudness"
    version = __version__
    description = "EBU R128 loudness, loudness range, true peak and ReplayGain 2.0"
    Config = LoudnessConfig

    @hookimpl
    def register_analyzers(self, ctx: CoreContext | None = None) -> list[Analyzer]:
        """The analyzer, configured from ``[plugins.loudness]`` (defaults without a context)."""
        config = LoudnessConfig.from_context(ctx, self.name)
        return [LoudnessAnalyzer(dual_mono=config.dual_mono)]


plugin = LoudnessPlugin()
