"""Sonántica stem separator without a model: harmonic/percussive and repeating-pattern splits."""

__version__ = "0.1.0"

from .separator import DspSeparator

__all__ = ["DspSeparator", "__version__"]
