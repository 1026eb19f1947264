"""Sonántica plugin: MusicBrainz release facts and Cover Art Archive covers for albums."""

__version__ = "0.1.0"
