"""Every core table, imported in one place (for Alembic and for convenience)."""

from sonantica_core.db.analysis import (
    TrackAnalysis,
    TrackAudioFeatures,
    TrackEmbedding,
    TrackFingerprint,
    TrackMetadata,
)
from sonantica_core.db.base import Base
from sonantica_core.db.enrichment import AlbumMetadata, ArtistMetadata, EnrichmentRun
from sonantica_core.db.library import (
    Album,
    AlbumArtist,
    Artist,
    Genre,
    ScanProblemRow,
    ScanRun,
    Track,
    TrackArtist,
    TrackGenre,
)
from sonantica_core.db.playback import Download, PersonalMix, PlaybackHistory, Playlist, PlaylistTrack
from sonantica_core.db.stems import TrackStems
from sonantica_core.db.userdata import AlbumAnnotation, ArtistAnnotation, SmartPlaylist, TrackAnnotation
from sonantica_core.db.users import ApiKey, AppPassword, RefreshToken, User

__all__ = [
    "Album",
    "AlbumAnnotation",
    "AlbumArtist",
    "AlbumMetadata",
    "ApiKey",
    "AppPassword",
    "Artist",
    "ArtistAnnotation",
    "ArtistMetadata",
    "Base",
    "Download",
    "EnrichmentRun",
    "Genre",
    "PersonalMix",
    "PlaybackHistory",
    "Playlist",
    "PlaylistTrack",
    "RefreshToken",
    "ScanProblemRow",
    "ScanRun",
    "SmartPlaylist",
    "Track",
    "TrackAnalysis",
    "TrackAnnotation",
    "TrackArtist",
    "TrackAudioFeatures",
    "TrackEmbedding",
    "TrackFingerprint",
    "TrackGenre",
    "TrackMetadata",
    "TrackStems",
    "User",
]
