"""Sonántica fingerprint plugin: Chromaprint fingerprints and duplicate detection, in numpy."""

__version__ = "0.1.0"

from .analyzer import FingerprintAnalyzer
from .compare import Match, compare, is_duplicate

__all__ = ["FingerprintAnalyzer", "Match", "__version__", "compare", "is_duplicate"]
