"""Sonántica loudness plugin: EBU R128 loudness, loudness range, true peak, ReplayGain 2.0."""

__version__ = "0.1.0"

from .analyzer import LoudnessAnalyzer

__all__ = ["LoudnessAnalyzer", "__version__"]
