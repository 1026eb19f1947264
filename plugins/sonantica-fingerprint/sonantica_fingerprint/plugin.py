"""Entry point object of the fingerprint plugin (group ``sonantica.plugins``)."""

from __future__ import annotations

from sonantica_core.contract import Analyzer

from . import __version__
from .analyzer import FingerprintAnalyzer


class FingerprintPlugin:
    """Provides the ``fingerprint`` analyzer."""

    name = "fingerprint"
    version = __version__

    def register_analyzers(self) -> list[Analyzer]:
        return [FingerprintAnalyzer()]


plugin = FingerprintPlugin()
