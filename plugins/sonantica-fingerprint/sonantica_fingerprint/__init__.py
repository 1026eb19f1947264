"""Sonántica fingerprint plugin: Chromaprint fingerprints and duplicate detection, in numpy."""

__version__ = "0.1.0"

from .analyzer import FingerprintAnalyzer  # noqa: E402
from .compare import Match, compare, is_duplicate  # noqa: E402

__all__ = ["FingerprintAnalyzer", "Match", "__version__", "compare", "is_duplicate"]
