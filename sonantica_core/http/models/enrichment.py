"""Response models of lyrics and enrichment (``/api/tracks/{id}/lyrics``, ``.../metadata``, album enrichment)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LyricsWordModel(BaseModel):
    start: int = Field(description="Milliseconds from the start of the track.")
    value: str


class LyricsLineModel(BaseModel):
    start: int | None = Field(None, description="Milliseconds from the start of the track (synced lyrics only).")
    value: str
    words: list[LyricsWordModel] | None = Field(None, description="The line's words with their own times, "
                                                "where the source has them (enhanced LRC, ID3 SYLT).")


class StructuredLyricsModel(BaseModel):
    """One language's lyrics, in the shape of OpenSubsonic's ``structuredLyrics``."""

    lang: str = Field(description="ISO 639 code; `und` when unknown.")
    synced: bool
    offset: int = Field(description="Always 0: offsets are applied when the lyrics are read.")
    displayArtist: str
    displayTitle: str
    line: list[LyricsLineModel]


class ProviderError(BaseModel):
    provider: str
    error: str


class TrackLyrics(BaseModel):
    track_id: int
    status: str = Field(description="`found`, `none` (no provider had lyrics) or `queued` (a worker is asking "
                        "providers that reach outside services; ask again after `Retry-After`).")
    source: str | None = Field(description="Where the lyrics come from (`embedded`, `sidecar`, `lrclib`, ...).")
    provider: str | None
    synced: bool
    instrumental: bool
    language: str | None
    plain: str | None = Field(description="The words without times.")
    structuredLyrics: list[StructuredLyricsModel]
    notes: list[str] = Field(description="What was odd about the source and how it was read (a malformed LRC line).")
    asked: list[str] = Field(description="The providers asked, in order.")
    errors: list[ProviderError] = Field(description="Providers that failed.")
    fetched_at: str


class MetadataEntry(BaseModel):
    key: str
    value: str
    source: str = Field(description="Who said it: `tags` (the file), an analyzer, or a metadata provider.")


class EnrichmentCandidate(BaseModel):
    entity: str
    entity_id: int
    key: str
    value: str
    score: float | None


class EnrichmentRunInfo(BaseModel):
    provider: str
    status: str = Field(description="`matched`, `candidate` (a match below the threshold: stored, not applied), "
                        "`no match` or `failed`.")
    score: float | None
    error: str | None = Field(description="Why the provider failed (the service down, a damaged answer ...).")
    candidates: list[EnrichmentCandidate]
    ran_at: str


class TrackMetadataInfo(BaseModel):
    track_id: int
    album_id: int | None
    track: list[MetadataEntry] = Field(description="Values about the track, from every source.")
    album: list[MetadataEntry] = Field(description="Values providers found about the track's album.")
    artist: list[MetadataEntry] = Field(description="Values providers found about the album's artist.")
    runs: list[EnrichmentRunInfo] = Field(description="Each provider's last run on the album.")


class EnrichRequested(BaseModel):
    album_id: int
    status: str = Field(description="`queued` or `already queued`.")


class MetadataCleared(BaseModel):
    album_id: int
    dropped: int = Field(description="Values and runs forgotten.")
