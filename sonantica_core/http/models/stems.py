"""Pydantic models of what the stems routes answer (for the OpenAPI document), and their bodies."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from sonantica_core.http.body import Body

State = Literal["queued", "running", "interrupted", "ready", "failed"]


class SeparatorInfo(BaseModel):
    name: str
    version: int
    stems: list[str]
    quality: str = Field(description="`neural` (a trained model) or `dsp` (signal processing: rough, audible bleed).")
    needs_gpu: bool
    sample_rate: int
    channels: int


class StemFile(BaseModel):
    name: str
    bytes: int
    url: str = Field(description="The FLAC file, streamed with Range like an original.")


class MixInfo(BaseModel):
    key: str = Field(description="The gains of every stem, e.g. `vocals=0,drums=1,bass=1,other=1`.")
    gains: dict[str, float]
    state: State
    bytes: int
    url: str | None = Field(description="The FLAC file once ready.")
    error: str | None


class Separation(BaseModel):
    separator: str
    state: State = Field(description="`interrupted`: its worker stopped midway; asking again redoes it.")
    progress: float | None = Field(description="0 to 1 while queued or running.")
    quality: str
    version: int
    outdated: bool = Field(description="Made by another version of the separator (or one no longer active).")
    stems: list[StemFile]
    bytes: int
    error: str | None
    attempts: int
    requested_at: dt.datetime
    finished_at: dt.datetime | None
    last_used_at: dt.datetime
    mixes: list[MixInfo]


class TrackStemsInfo(BaseModel):
    track_id: int
    is_separated: bool = Field(description="Some separation of this track is ready.")
    bytes: int = Field(description="All its ready stems and mixes together.")
    separators: list[SeparatorInfo] = Field(description="The active separators, the default first.")
    separations: list[Separation]


class StemsRequested(BaseModel):
    track_id: int
    separator: str
    status: Literal["queued", "already queued", "ready"]


class MixRequested(BaseModel):
    track_id: int
    separator: str
    key: str
    status: Literal["queued", "already queued", "ready"]
    url: str


class StemsRequest(Body):
    """``POST /api/tracks/{id}/stems``: which separator (default: the first active one)."""

    separator: str | None = None


class MixRequest(Body):
    """``POST /api/tracks/{id}/stems/mix``: a gain per stem (0 to 4; stems left out keep 1)."""

    separator: str | None = None
    gains: dict[str, float] = Field(description='e.g. `{"vocals": 0}`: everything but the vocals.')
