"""The shapes of the library API's answers, for the OpenAPI document.

The endpoints build plain dictionaries (:mod:`.present`) for speed; these models
describe exactly those dictionaries, and the schemathesis test checks every answer
against them.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class Ref(BaseModel):
    """Another item, by id and name."""

    id: int
    name: str


class AlbumRef(BaseModel):
    id: int
    title: str


class Audio(BaseModel):
    """Technical details of the file."""

    container: str | None = Field(description="Container format, e.g. flac, ogg, mp4.")
    codec: str | None = Field(description="Audio codec, e.g. flac, alac, mp3, opus.")
    sample_rate: int | None = Field(description="Samples per second.")
    bit_depth: int | None = Field(description="Bits per sample (lossless formats).")
    channels: int | None
    bitrate: int | None = Field(description="Bits per second.")
    lossless: bool
    size: int = Field(description="File size in bytes.")


class AnalysisSummary(BaseModel):
    """The headline of the track's analysis."""

    bpm: float | None
    key: str | None = Field(description="e.g. 'A minor'.")
    camelot_key: str | None = Field(description="e.g. '8A'.")
    loudness_lufs: float | None
    replaygain_track_gain: float | None


class TrackLinks(BaseModel):
    self: str
    stream: str = Field(description="The audio, byte for byte (HTTP Range supported).")
    cover: str = Field(description="The track's cover (its album's when it has none of its own).")
    waveform: str
    album: str | None
    artist: str | None = Field(None, description="The album artist (details only).")


class TrackItem(BaseModel):
    """A track as listings show it."""

    id: int = Field(description="Stable: it follows the audio, not the file's path.")
    title: str
    artist: str | None = Field(description="The artist as the tags write it.")
    artists: list[Ref] = Field(description="The credited artists, in tag order.")
    album: AlbumRef | None
    album_artist: str | None
    track_number: int | None
    disc_number: int | None
    year: int | None
    genres: list[Ref]
    duration: float | None = Field(description="Seconds.")
    added_at: dt.datetime
    audio: Audio
    analysis: AnalysisSummary | None = Field(description="None until the track has been analysed.")
    links: TrackLinks
    starred_at: dt.datetime | None = Field(
        None, description="Listings by the caller's stars or ratings only: when the caller starred it (null: not)."
    )
    rating: int | None = Field(None, description="Listings by the caller's stars or ratings only: their 1–5 rating.")


class ReplayGainTags(BaseModel):
    """ReplayGain as the file's tags say (dB and linear peak)."""

    track_gain: float | None
    track_peak: float | None
    album_gain: float | None
    album_peak: float | None


class FilePath(BaseModel):
    root: str = Field(description="The name of the media folder.")
    relative_path: str


class Features(BaseModel):
    """Everything analysers found (a column is None until an analyser fills it)."""

    bpm: float | None = None
    bpm_confidence: float | None = None
    key: str | None = None
    mode: str | None = None
    camelot_key: str | None = None
    key_confidence: float | None = None
    loudness_lufs: float | None = None
    loudness_range_lu: float | None = None
    true_peak_dbtp: float | None = None
    sample_peak: float | None = None
    replaygain_track_gain: float | None = None
    replaygain_track_peak: float | None = None
    replaygain_album_gain: float | None = None
    replaygain_album_peak: float | None = None
    danceability: float | None = None
    energy: float | None = None
    mood_happy: float | None = None
    mood_aggressive: float | None = None
    mood_party: float | None = None
    mood_relaxed: float | None = None
    instrumental: float | None = None
    acoustic: float | None = None
    tonal: float | None = None
    analysis_source: str | None = None
    analyzed_at: dt.datetime | None = None


class SeparatedStems(BaseModel):
    separator: str
    quality: str
    stems: dict[str, int] = Field(description="Bytes of each stem's FLAC file.")
    bytes: int


class TrackDetail(TrackItem):
    """Everything about a track."""

    composers: list[Ref]
    composer: str | None
    track_total: int | None
    disc_total: int | None
    date: str | None
    original_date: str | None
    label: str | None
    isrc: str | None
    musicbrainz_track_id: str | None
    musicbrainz_recording_id: str | None
    lyrics: str | None = Field(description="Lyrics embedded in the file's tags.")
    replaygain: ReplayGainTags
    tags_guessed: bool = Field(description="Title and artist were guessed from the path: the file has no tags.")
    path: FilePath
    updated_at: dt.datetime
    features: Features | None
    is_separated: bool = Field(description="Stems of this track are ready (see `/api/tracks/{id}/stems`).")
    stems: list[SeparatedStems] = Field(description="Its ready separations and the sizes of their stems.")


class AlbumLinks(BaseModel):
    self: str
    cover: str
    tracks: str
    artist: str | None


class AlbumItem(BaseModel):
    """An album as listings show it."""

    id: int
    title: str
    artist: str | None = Field(description="The album artist as the tags write it.")
    artists: list[Ref] = Field(description="The album artists, in tag order.")
    compilation: bool
    year: int | None
    date: str | None
    disc_total: int | None
    track_count: int
    duration: float = Field(description="Seconds, all tracks together.")
    lossless: bool = Field(description="Every track is lossless.")
    added_at: dt.datetime
    links: AlbumLinks
    starred_at: dt.datetime | None = Field(
        None, description="Listings by the caller's stars or ratings only: when the caller starred it (null: not)."
    )
    rating: int | None = Field(None, description="Listings by the caller's stars or ratings only: their 1–5 rating.")


class AlbumDetail(AlbumItem):
    """An album with its tracks in disc and track order."""

    original_date: str | None
    musicbrainz_release_id: str | None
    musicbrainz_release_group_id: str | None
    genres: list[Ref]
    discs: list[int]
    tracks: list[TrackItem]


class ArtistLinks(BaseModel):
    self: str
    tracks: str
    albums: str


class ArtistItem(BaseModel):
    id: int
    name: str
    sort_name: str | None
    musicbrainz_id: str | None
    album_count: int = Field(description="Albums in the library with this album artist.")
    track_count: int = Field(description="Tracks in the library credited to this artist.")
    links: ArtistLinks
    starred_at: dt.datetime | None = Field(
        None, description="Listings by the caller's stars or ratings only: when the caller starred it (null: not)."
    )
    rating: int | None = Field(None, description="Listings by the caller's stars or ratings only: their 1–5 rating.")


class ArtistDetail(ArtistItem):
    """An artist with their albums and their appearances on other albums and compilations."""

    albums: list[AlbumItem]
    appearances: list[AlbumItem]
    composed_track_count: int


class GenreLinks(BaseModel):
    tracks: str
    albums: str


class GenreItem(BaseModel):
    id: int
    name: str
    track_count: int
    album_count: int
    links: GenreLinks


class _Page(BaseModel):
    next: str | None = Field(description="The next page (same filters and order), or None at the end.")
    limit: int


class TrackPage(_Page):
    items: list[TrackItem]


class AlbumPage(_Page):
    items: list[AlbumItem]


class ArtistPage(_Page):
    items: list[ArtistItem]


class GenrePage(_Page):
    items: list[GenreItem]


class SearchResults(BaseModel):
    query: str
    artists: list[ArtistItem]
    albums: list[AlbumItem]
    tracks: list[TrackItem]
    corrections: dict[str, list[str]] | None = Field(
        description="Mistyped words and the library words they were taken to mean, when the search had to guess."
    )
