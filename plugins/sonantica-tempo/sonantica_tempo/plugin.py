"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sonantica_core.contract import Analyzer
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .analyzer import TempoAnalyzer

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class TempoConfig(PluginConfig):
    """``[plugins.tempo]`` settings."""

    #: Only the first this many seconds of a track are looked at.
    max_seconds: float = Field(1800.0, gt=10)


class TempoPlugin(Plugin):
    """Provides the ``tempo`` analyzer."""

    name = "tempo"
    version = __version__
    description = "Tempo (BPM) with a confidence, free of octave errors"
    Config = TempoConfig

    @hookimpl
    def register_analyzers(self, ctx: CoreContext | None = None) -> list[Analyzer]:
        """The analyzer, configured from ``[plugins.tempo]`` (defaults without a context)."""
        config = TempoConfig.from_context(ctx, self.name)
        return [TempoAnalyzer(max_seconds=config.max_seconds)]


plugin = TempoPlugin()
