"""Scrobble forwarding: each user's plays to ListenBrainz and Last.fm."""

__version__ = "1.0.0"
