"""The ``[plugins.musicbrainz]`` section of plugins.toml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from sonantica_core.plugins import PluginConfig


class MusicBrainzConfig(PluginConfig):
    """Where MusicBrainz and the Cover Art Archive are, how sure a match must be, and how politely to ask."""

    #: The MusicBrainz server (its XML web service is under ``/ws/2``); a mirror works too.
    base_url: str = "https://musicbrainz.org"
    #: The Cover Art Archive.
    cover_art_url: str = "https://coverartarchive.org"
    #: Seconds between two requests to MusicBrainz across every worker (MusicBrainz asks for 1).
    interval: float = Field(1.0, ge=0, le=60)
    #: Seconds one request may take, tries per request, and the first pause between tries (doubled each time).
    timeout: float = Field(10.0, gt=0, le=120)
    attempts: int = Field(3, ge=1, le=10)
    backoff: float = Field(1.0, ge=0, le=60)
    #: Days answers are cached.
    cache_days: float = Field(30.0, ge=0)
    #: A search match at least this sure (0 to 1) is applied; below it, it is stored as a candidate.
    threshold: float = Field(0.85, ge=0, le=1)
    #: Fetch a front cover for albums that have none.
    covers: bool = True
    #: Which size of the front cover to fetch.
    cover_size: Literal["250", "500", "1200", "original"] = "1200"
    #: Largest cover downloaded, in bytes.
    max_cover_bytes: int = Field(10 * 1024 * 1024, ge=10_000, le=32 * 1024 * 1024)

    @field_validator("base_url", "cover_art_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")
