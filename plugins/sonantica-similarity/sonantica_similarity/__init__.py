"""Sound similarity: the sonic descriptor embedding and the sound, key and history recommenders."""

from .analyzer import MODEL, SonicAnalyzer

__version__ = "1.0.0"
__all__ = ["MODEL", "SonicAnalyzer"]
