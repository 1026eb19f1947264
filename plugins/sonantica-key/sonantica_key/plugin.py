"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sonantica_core.contract import Analyzer
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .analyzer import KeyAnalyzer

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class KeyConfig(PluginConfig):
    """``[plugins.key]`` settings."""

    #: The bass line is followed over the first this many seconds.
    max_seconds: float = Field(1800.0, gt=10)


class KeyPlugin(Plugin):
    """Provides the ``key`` analyzer."""

    name = "key"
    version = __version__
    description = "Key, mode and Camelot notation"
    Config = KeyConfig

    @hookimpl
    def register_analyzers(self, ctx: CoreContext | None = None) -> list[Analyzer]:
        """The analyzer, configured from ``[plugins.key]`` (defaults without a context)."""
        config = KeyConfig.from_context(ctx, self.name)
        return [KeyAnalyzer(max_seconds=config.max_seconds)]


plugin = KeyPlugin()
