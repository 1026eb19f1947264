"""Sonántica waveform plugin: audiowaveform-format peaks for peaks.js and wavesurfer.js."""

__version__ = "0.1.0"

from .analyzer import WaveformAnalyzer

__all__ = ["WaveformAnalyzer", "__version__"]
