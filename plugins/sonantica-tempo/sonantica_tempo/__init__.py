"""Sonántica tempo plugin: BPM with a confidence, without octave errors."""

__version__ = "0.1.0"

from .analyzer import TempoAnalyzer  # noqa: E402

__all__ = ["TempoAnalyzer", "__version__"]
