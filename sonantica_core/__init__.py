"""Sonántica: a self-hosted, plugin-based music server."""

__version__ = "0.1.0"
