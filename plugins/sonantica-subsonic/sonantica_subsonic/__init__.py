"""Sonántica's OpenSubsonic API: every Subsonic app on this library, its analysis and its streaming."""

__version__ = "0.1.0"

#: The Subsonic protocol version the API speaks.
API_VERSION = "1.16.1"
