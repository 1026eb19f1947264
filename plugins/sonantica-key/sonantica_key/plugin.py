"""Entry point object of the key plugin (group ``sonantica.plugins``)."""

from __future__ import annotations

from sonantica_core.contract import Analyzer

from . import __version__
from .analyzer import KeyAnalyzer


class KeyPlugin:
    """Provides the ``key`` analyzer."""

    name = "key"
    version = __version__

    def register_analyzers(self) -> list[Analyzer]:
        return [KeyAnalyzer()]


plugin = KeyPlugin()
