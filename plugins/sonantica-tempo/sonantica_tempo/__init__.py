"""Sonántica tempo plugin: BPM with a confidence, without octave errors."""

__version__ = "0.1.0"

from .analyzer import TempoAnalyzer

__all__ = ["TempoAnalyzer", "__version__"]
