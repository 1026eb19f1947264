"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sonantica_core.contract import Analyzer
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .analyzer import FingerprintAnalyzer

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class FingerprintConfig(PluginConfig):
    """``[plugins.fingerprint]`` settings."""

    #: Seconds fingerprinted from the start (120 as fpcalc and AcoustID); none: all.
    max_seconds: float | None = Field(120.0, gt=5)


class FingerprintPlugin(Plugin):
    """Provides the ``fingerprint`` analyzer."""

    name = "fingerprint"
    version = __version__
    description = "Chromaprint fingerprints for duplicate detection"
    Config = FingerprintConfig

    @hookimpl
    def register_analyzers(self, ctx: CoreContext | None = None) -> list[Analyzer]:
        """The analyzer, configured from ``[plugins.fingerprint]`` (defaults without a context)."""
        config = FingerprintConfig.from_context(ctx, self.name)
        return [FingerprintAnalyzer(max_seconds=config.max_seconds)]


plugin = FingerprintPlugin()
