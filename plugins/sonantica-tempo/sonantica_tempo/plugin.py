"""Entry point object of the tempo plugin (group ``sonantica.plugins``)."""

from __future__ import annotations

from sonantica_core.contract import Analyzer

from . import __version__
from .analyzer import TempoAnalyzer


class TempoPlugin:
    """Provides the ``tempo`` analyzer."""

    name = "tempo"
    version = __version__

    def register_analyzers(self) -> list[Analyzer]:
        return [TempoAnalyzer()]


plugin = TempoPlugin()
