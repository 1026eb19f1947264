"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sonantica_core.contract import Analyzer
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .analyzer import DescriptorAnalyzer

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class DescriptorsConfig(PluginConfig):
    """``[plugins.descriptors]`` settings."""

    #: Only the first this many seconds of a track are looked at.
    max_seconds: float = Field(600.0, gt=10)


class DescriptorsPlugin(Plugin):
    """Provides the ``descriptors`` analyzer."""

    name = "descriptors"
    version = __version__
    description = "Energy, danceability, instrumental, acoustic, tonal and mood scores from signal measures"
    Config = DescriptorsConfig

    @hookimpl
    def register_analyzers(self, ctx: CoreContext | None = None) -> list[Analyzer]:
        """The analyzer, configured from ``[plugins.descriptors]`` (defaults without a context)."""
        config = DescriptorsConfig.from_context(ctx, self.name)
        return [DescriptorAnalyzer(max_seconds=config.max_seconds)]


plugin = DescriptorsPlugin()
