"""Sonántica's scanner plugin: reads audio files' tags, technical info and covers with mutagen."""

__version__ = "0.1.0"
