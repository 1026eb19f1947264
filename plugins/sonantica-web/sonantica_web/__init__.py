"""Sonántica plugin: the web player, served at ``/plugins/web/``."""

__version__ = "0.1.0"
