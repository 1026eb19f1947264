"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sonantica_core.contract import Analyzer, Recommender
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .analyzer import SonicAnalyzer
from .harmonic import Harmonic
from .sound import SoundsLike
from .together import ListenedTogether

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class SimilarityConfig(PluginConfig):
    """``[plugins.similarity]`` settings."""

    #: Only the first this many seconds of a track are described.
    max_seconds: float = Field(600.0, gt=10)


class SimilarityPlugin(Plugin):
    """The ``sonic-descriptor`` embedding and the sounds-like, harmonic and listened-together recommenders."""

    name = "similarity"
    version = __version__
    description = "Sound similarity: a descriptor embedding per track; similar tracks, radio, paths, harmonic mixing"
    Config = SimilarityConfig

    @hookimpl
    def register_analyzers(self, ctx: CoreContext | None = None) -> list[Analyzer]:
        config = SimilarityConfig.from_context(ctx, self.name)
        return [SonicAnalyzer(max_seconds=config.max_seconds)]

    @hookimpl
    def register_recommenders(self, ctx: CoreContext | None = None) -> list[Recommender]:
        return [SoundsLike(), Harmonic(), ListenedTogether()]


plugin = SimilarityPlugin()
