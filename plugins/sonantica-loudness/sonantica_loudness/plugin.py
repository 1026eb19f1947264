"""Entry point object of the loudness plugin (group ``sonantica.plugins``)."""

from __future__ import annotations

from sonantica_core.contract import Analyzer

from . import __version__
from .analyzer import LoudnessAnalyzer


class LoudnessPlugin:
    """Provides the ``loudness`` analyzer."""

    name = "loudness"
    version = __version__

    def register_analyzers(self) -> list[Analyzer]:
        return [LoudnessAnalyzer()]


plugin = LoudnessPlugin()
