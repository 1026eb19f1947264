"""Signal descriptors: energy, danceability, instrumental, acoustic, tonal and mood scores."""

from .analyzer import DescriptorAnalyzer

__version__ = "1.0.0"
__all__ = ["DescriptorAnalyzer"]
