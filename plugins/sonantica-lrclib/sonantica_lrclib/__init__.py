"""Sonántica plugin: lyrics from LRCLIB (https://lrclib.net)."""

__version__ = "0.1.0"
