"""The plugin's own errors."""

from sonantica_core.errors import SonanticaError


class MusicBrainzError(SonanticaError):
    """MusicBrainz answered something that cannot be read (not its XML)."""


class NoContact(SonanticaError, ValueError):
    """MusicBrainz asks every client for a contact; the CONTACT setting is empty."""
