"""Sonántica key plugin: key, mode and Camelot notation, minor keys included."""

__version__ = "0.1.0"

from .analyzer import KeyAnalyzer

__all__ = ["KeyAnalyzer", "__version__"]
