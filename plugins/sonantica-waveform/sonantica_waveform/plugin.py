"""Entry point object of the waveform plugin (group ``sonantica.plugins``)."""

from __future__ import annotations

from sonantica_core.contract import Analyzer

from . import __version__
from .analyzer import WaveformAnalyzer


class WaveformPlugin:
    """Provides the ``waveform`` analyzer."""

    name = "waveform"
    version = __version__

    def register_analyzers(self) -> list[Analyzer]:
        return [WaveformAnalyzer()]


plugin = WaveformPlugin()
