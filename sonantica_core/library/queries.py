"""The queries of the library, search and cover endpoints, as validated models.

Each endpoint's parameters are a pydantic model: :func:`sonantica_core.http.params.parse_query`
reads the request's query string into it and answers 422 in the API's error shape, naming
every bad parameter and why, when something does not fit. The same models describe
the parameters in the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sonantica_core.text.musickeys import InvalidKey, camelot

MAX_ID = 2**63 - 1
#: Largest page of a listing.
MAX_LIMIT = 500

def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _key(value: str) -> str:
    try:
        return camelot(value)
    except InvalidKey as exc:
        raise ValueError(str(exc)) from None


Text = Annotated[str, AfterValidator(_no_nul)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=0, le=9999)]
Bpm = Annotated[float, Field(ge=0, le=1000)]
MusicalKey = Annotated[str, Field(max_length=16), AfterValidator(_no_nul), AfterValidator(_key)]


Rating = Annotated[int, Field(ge=0, le=5)]


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)


class PageQuery(_Query):
    order: Literal["asc", "desc"] = Field("asc", description="Sort direction.")
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"Items per page (1–{MAX_LIMIT}).")
    cursor: Text | None = Field(
        None, max_length=1024, description="Opaque position from the previous page's `next` link."
    )


class TrackListQuery(PageQuery):
    """Filters and order of ``GET /api/library/tracks``."""

    sort: Literal["title", "artist", "album", "year", "added", "duration", "bpm", "starred", "rating"] = Field(
        "title",
        description="title, artist (then album and track order), album (then track order), year, "
        "added, duration, bpm, starred (when the caller starred it) or rating (the caller's). "
        "Tracks without a year, duration, BPM, star or rating come last either way.",
    )
    starred: bool | None = Field(None, description="Only what the caller starred (true) or did not (false).")
    rating_min: Rating | None = Field(None, description="The caller rated it at least this (0–5; unrated is 0).")
    rating_max: Rating | None = Field(None, description="The caller rated it at most this (0–5; unrated is 0).")
    artist: Id | None = Field(None, description="Only tracks credited to this artist id.")
    composer: Id | None = Field(None, description="Only tracks composed by this artist id.")
    album: Id | None = Field(None, description="Only tracks of this album id.")
    genre: Text | None = Field(None, max_length=200, description="A genre id, or a genre name (any case or accents).")
    year_from: Year | None = Field(None, description="Released in or after this year.")
    year_to: Year | None = Field(None, description="Released in or before this year.")
    format: Text | None = Field(
        None, max_length=16, pattern=r"^[A-Za-z0-9._-]+$", description="Codec or container, e.g. flac, mp3, alac, m4a."
    )
    lossless: bool | None = Field(None, description="Only lossless (true) or only lossy (false) files.")
    added_since: dt.datetime | dt.date | None = Field(
        None, description="Added at or after this time (ISO 8601; a date means its midnight, UTC)."
    )
    bpm_min: Bpm | None = Field(None, description="Tempo at least this many beats per minute.")
    bpm_max: Bpm | None = Field(None, description="Tempo at most this many beats per minute.")
    key: MusicalKey | None = Field(None, description="Musical key: a Camelot code (8A) or a name (A minor, F#m, Gb).")
    compatible_with: MusicalKey | None = Field(
        None, description="Keys that mix harmonically with this one: the same, ±1 on the Camelot wheel, relative."
    )

    @model_validator(mode="after")
    def _ranges(self) -> TrackListQuery:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError("year_from must not be after year_to")
        if self.bpm_min is not None and self.bpm_max is not None and self.bpm_min > self.bpm_max:
            raise ValueError("bpm_min must not be above bpm_max")
        return self


class SmartTracksQuery(_Query):
    """``GET /api/smart-playlists/{id}/tracks``: a page of a smart playlist, in its own order."""

    limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"Items per page (1–{MAX_LIMIT}).")
    cursor: Text | None = Field(
        None, max_length=1024, description="Opaque position from the previous page's `next` link."
    )


class AlbumListQuery(PageQuery):
    """Filters and order of ``GET /api/library/albums``."""

    sort: Literal["title", "artist", "year", "added", "starred", "rating"] = Field(
        "title",
        description="title, artist (album artist, then title), year, added, starred or rating (the caller's). "
        "No year, star or rating comes last.",
    )
    starred: bool | None = Field(None, description="Only what the caller starred (true) or did not (false).")
    rating_min: Rating | None = Field(None, description="The caller rated it at least this (0–5; unrated is 0).")
    rating_max: Rating | None = Field(None, description="The caller rated it at most this (0–5; unrated is 0).")
    artist: Id | None = Field(None, description="Only albums of this album artist id.")
    genre: Text | None = Field(None, max_length=200, description="A genre id or name: albums with a track in it.")
    year_from: Year | None = Field(None, description="Released in or after this year.")
    year_to: Year | None = Field(None, description="Released in or before this year.")
    compilation: bool | None = Field(None, description="Only compilations (true) or only other albums (false).")
    added_since: dt.datetime | dt.date | None = Field(None, description="Added at or after this time (ISO 8601).")

    @model_validator(mode="after")
    def _ranges(self) -> AlbumListQuery:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError("year_from must not be after year_to")
        return self


class ArtistListQuery(PageQuery):
    """Order of ``GET /api/library/artists``."""

    sort: Literal["name", "starred", "rating"] = Field(
        "name", description="name (by sort name when the tags give one), starred or rating (the caller's)."
    )
    starred: bool | None = Field(None, description="Only what the caller starred (true) or did not (false).")
    rating_min: Rating | None = Field(None, description="The caller rated it at least this (0–5; unrated is 0).")
    rating_max: Rating | None = Field(None, description="The caller rated it at most this (0–5; unrated is 0).")
    genre: Text | None = Field(None, max_length=200, description="A genre id or name: artists with a track in it.")
    role: Literal["artist", "album_artist", "composer", "any"] = Field(
        "any", description="Only artists credited this way on a track in the library (any: all)."
    )


class GenreListQuery(PageQuery):
    """Order of ``GET /api/library/genres``."""

    sort: Literal["name"] = Field("name", description="name.")


class SearchQuery(_Query):
    """``GET /api/search``."""

    q: Text = Field(
        ...,
        min_length=1,
        max_length=200,
        description="What to look for: words or their beginnings, in any case, with or without accents.",
    )
    limit: int = Field(20, ge=1, le=100, description="Most results of each kind (artists, albums, tracks).")

    @model_validator(mode="after")
    def _not_blank(self) -> SearchQuery:
        if not self.q.strip():
            raise ValueError("q must not be blank")
        return self


COVER_SIZES = ("64", "128", "256", "512", "1024", "original")


class CoverQuery(_Query):
    """``GET /api/covers/...``."""

    size: Literal["64", "128", "256", "512", "1024", "original"] = Field(
        "original", description="Longest side in pixels, or the original image as stored."
    )
    v: Text | None = Field(
        None, max_length=64, description="Version from the `cover` link; lets caches keep the image forever."
    )


def since_utc(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A date or time as an aware UTC-based datetime (a date is its midnight, UTC)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
