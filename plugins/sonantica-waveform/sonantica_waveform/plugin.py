"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from sonantica_core.contract import Analyzer
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .analyzer import WaveformAnalyzer

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class WaveformConfig(PluginConfig):
    """``[plugins.waveform]`` settings."""

    #: Finest resolution: samples per pixel before doubling to fit ``max_points``.
    base_samples_per_pixel: int = Field(256, ge=1)
    #: Most min/max pairs per channel.
    max_points: int = Field(8000, ge=16)
    #: 8 (values -128..127) or 16 (-32768..32767).
    bits: Literal[8, 16] = 8


class WaveformPlugin(Plugin):
    """Provides the ``waveform`` analyzer."""

    name = "waveform"
    version = __version__
    description = "Waveform peaks (audiowaveform JSON) for peaks.js and wavesurfer.js"
    Config = WaveformConfig

    @hookimpl
    def register_analyzers(self, ctx: CoreContext | None = None) -> list[Analyzer]:
        """The analyzer, configured from ``[plugins.waveform]`` (defaults without a context)."""
        config = WaveformConfig.from_context(ctx, self.name)
        return [
            WaveformAnalyzer(
                base_samples_per_pixel=config.base_samples_per_pixel, max_points=config.max_points, bits=config.bits
            )
        ]


plugin = WaveformPlugin()
