"""Pydantic models of what the account, playlist, history, streaming, analysis, scan,
plugin and health routes answer (and of their query parameters), for the OpenAPI
document only: the handlers build their JSON themselves. Request bodies are the
handlers' own models (``auth_routes.Credentials``, ``playlists.NewPlaylist``...).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sonantica_core.auth.signed_urls import DEFAULT_TTL, MAX_TTL, MIN_TTL
from sonantica_core.http.body import MAX_ID

Timestamp = Annotated[str, Field(description="An ISO 8601 date and time, UTC.")]
Role = Literal["admin", "user"]

# --- auth -----------------------------------------------------------------


class TokenUser(BaseModel):
    id: int
    username: str
    role: Role


class TokenPair(BaseModel):
    """A session: a short-lived access token and the refresh token that renews it."""

    access_token: str = Field(description="Send as `Authorization: Bearer <access_token>`.")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds the access token stays valid.")
    refresh_token: str = Field(description="For POST /api/auth/refresh; works once.")
    refresh_expires_in: int = Field(description="Seconds the refresh token stays valid.")
    user: TokenUser


class ApiKey(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    created_at: Timestamp | None
    last_used_at: Timestamp | None
    expires_at: Timestamp | None


class NewApiKeyCreated(ApiKey):
    key: str = Field(description="The key itself; shown this once only.")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKey]


class AppPassword(BaseModel):
    id: int
    name: str
    created_at: Timestamp | None
    last_used_at: Timestamp | None


class NewAppPasswordCreated(AppPassword):
    password: str = Field(description="The password itself; shown this once only.")


class AppPasswordList(BaseModel):
    app_passwords: list[AppPassword]


class SetupStatus(BaseModel):
    needs_setup: bool = Field(description="True while the server has no user at all.")


# --- users ----------------------------------------------------------------


class UserInfo(BaseModel):
    id: int
    username: str
    role: Role
    disabled: bool
    created_at: Timestamp | None


class Me(UserInfo):
    authenticated_via: str = Field(description="How this request signed in (access token, API key, signed URL...).")


class UserList(BaseModel):
    users: list[UserInfo]


# --- playlists --------------------------------------------------------------


class PlaylistsQuery(BaseModel):
    public: bool = Field(False, description="Also list other users' public playlists.")


class PlaylistInfo(BaseModel):
    id: int
    name: str
    description: str | None
    public: bool
    owner_id: int
    owned: bool = Field(description="Whether the caller owns it (and may change it).")
    track_count: int
    created_at: Timestamp | None
    updated_at: Timestamp | None


class PlaylistList(BaseModel):
    playlists: list[PlaylistInfo]


class PlaylistEntry(BaseModel):
    position: int = Field(description="From 0, contiguous.")
    track_id: int
    title: str
    artist: str | None
    duration: float | None = Field(description="Seconds.")
    available: bool = Field(description="False once the track has left the library.")
    added_at: Timestamp | None


class PlaylistDetail(PlaylistInfo):
    tracks: list[PlaylistEntry]


# --- stars, ratings, smart playlists ------------------------------------------


class AnnotationInfo(BaseModel):
    """One user's marks of one track, album or artist."""

    type: Literal["track", "album", "artist"]
    id: int
    starred: bool
    starred_at: Timestamp | None = Field(description="When it was starred; null when it is not.")
    rating: int | None = Field(description="1 to 5; null when not rated.")


class SmartPlaylistInfo(BaseModel):
    id: int
    name: str
    description: str | None
    rules: dict[str, Any] = Field(description="The rule tree (see docs/api.md, smart playlists).")
    sort: str
    order: Literal["asc", "desc"]
    limit: int | None
    track_count: int | None = Field(None, description="How many tracks match now (with the limit).")
    duration: float | None = Field(None, description="Their total duration, seconds.")
    created_at: Timestamp | None
    updated_at: Timestamp | None


class SmartPlaylistList(BaseModel):
    smart_playlists: list[SmartPlaylistInfo]


class SmartPreview(BaseModel):
    track_count: int
    duration: float | None


# --- history ----------------------------------------------------------------


class HistoryQuery(BaseModel):
    limit: int = Field(50, ge=1, le=500, description="Entries per page.")
    before: int = Field(0, ge=0, le=MAX_ID, description="Only entries older than this entry id (`next_before`).")


class PlayEntry(BaseModel):
    id: int
    track_id: int
    played_at: Timestamp | None
    duration_played: float | None = Field(description="Seconds listened.")
    completed: bool
    skipped: bool = Field(False, description="Under the play rule (half the track or 4 minutes, at least 30 s).")
    client: str | None


class HistoryEntry(PlayEntry):
    title: str
    artist: str | None


class HistoryPage(BaseModel):
    history: list[HistoryEntry] = Field(description="Newest first.")
    next_before: int | None = Field(description="`before` for the next page; null on the last page.")


# --- streaming ----------------------------------------------------------------


class StreamQuery(BaseModel):
    download: Literal[1] | None = Field(
        None, description="1: answer as a download (`Content-Disposition: attachment`), and record it."
    )
    format: Literal["opus", "mp3", "aac", "flac", "raw"] | None = Field(
        None, description="Transcode to this format (`raw`: the file as it is, whatever else is asked)."
    )
    bitrate: int | None = Field(None, ge=0, le=10_000, description="kbit/s: the transcode's target and cap.")
    maxBitRate: int | None = Field(None, ge=0, le=10_000, description="The same as `bitrate`.")
    sampleRate: int | None = Field(None, ge=8_000, le=768_000, description="The highest sample rate wanted.")
    profile: str | None = Field(None, description="A client profile of `TRANSCODE_PROFILES` (e.g. `mobile`).")
    timeOffset: float | None = Field(
        None, ge=0, le=86_400, description="Start here (seconds, fractional); sample-accurate for lossless sources."
    )
    replayGain: Literal["track", "album", "off"] | None = Field(
        None, description="Apply ReplayGain (peak-limited so it never clips)."
    )


class StreamUrlQuery(BaseModel):
    ttl: int = Field(
        DEFAULT_TTL,
        ge=MIN_TTL,
        le=MAX_TTL,
        description="Seconds the URL stays valid (at most 3600 with STREAM_MODE=accel), unless the user's "
        "sessions end first.",
    )
    download: Literal["1", "true"] | None = Field(None, description="A URL for a download rather than playback.")


class StreamUrl(BaseModel):
    url: str = Field(description="For `<audio src>`: this route's signed URL, or nginx's with STREAM_MODE=accel.")
    api_url: str = Field(description="The signed URL of GET /api/stream/{track_id}.")
    expires: int = Field(
        description="When both stop working, in seconds since the epoch (`api_url` sooner if the user's "
        "sessions end)."
    )
    expires_at: Timestamp


# --- analysis -----------------------------------------------------------------


class AnalysisRequested(BaseModel):
    track_id: int
    status: Literal["queued", "already queued", "done"]


class AudioFeatures(BaseModel):
    bpm: float | None
    bpm_confidence: float | None
    key: str | None
    mode: str | None
    camelot_key: str | None
    key_confidence: float | None
    loudness_lufs: float | None
    loudness_range_lu: float | None
    true_peak_dbtp: float | None
    sample_peak: float | None
    replaygain_track_gain: float | None
    replaygain_track_peak: float | None
    replaygain_album_gain: float | None
    replaygain_album_peak: float | None
    danceability: float | None
    energy: float | None
    mood_happy: float | None
    mood_aggressive: float | None
    mood_party: float | None
    mood_relaxed: float | None
    instrumental: float | None
    acoustic: float | None
    tonal: float | None
    analysis_source: str | None
    analyzed_at: Timestamp


class AnalyzerState(BaseModel):
    name: str
    version: int
    status: str = Field(description="`done`, `failed`, or `outdated` (an older version of the analyzer ran).")
    error: str | None
    seconds: float | None
    analyzed_at: Timestamp


class AnalysisExtra(BaseModel):
    key: str
    value: str
    source: str


class TrackAnalysisInfo(BaseModel):
    track_id: int
    features: AudioFeatures | None = Field(description="Null until the track is analysed.")
    analyzers: list[AnalyzerState]
    pending: list[str] = Field(description="Enabled analyzers that have not run (at their version) yet.")
    extras: list[AnalysisExtra] = Field(description="Metadata found by analysis (not from tags).")


class Waveform(BaseModel):
    """audiowaveform's JSON format (peaks.js, wavesurfer.js)."""

    model_config = ConfigDict(extra="allow")

    version: int | None = None
    channels: int | None = None
    sample_rate: int | None = None
    samples_per_pixel: int | None = None
    bits: int | None = None
    length: int | None = None
    data: list[float] | None = Field(None, description="Min and max of each pixel, interleaved.")


class DuplicateTrack(BaseModel):
    id: int
    title: str
    artist: str | None
    path: str = Field(description="`<media root>/<path in the root>`.")
    codec: str | None
    lossless: bool
    bitrate: int | None
    size: int = Field(description="Bytes.")


class DuplicateGroup(BaseModel):
    tracks: list[DuplicateTrack]


class Duplicates(BaseModel):
    groups: list[DuplicateGroup]
    computed_at: Timestamp | None = Field(description="When the report was made; null before the first one.")
    stale: bool = Field(description="The library changed since the report was made.")
    computing: bool = Field(description="A new report is queued or being made.")


# --- scans ----------------------------------------------------------------------


class ScanRequest(BaseModel):
    roots: list[str] | None = Field(None, description="Names of the media roots to scan; all of them by default.")


class ScanRunInfo(BaseModel):
    id: int
    status: str
    started_at: Timestamp
    finished_at: Timestamp | None
    requested_by: int | None
    files_seen: int
    files_read: int
    added: int
    changed: int
    moved: int
    removed: int
    problems: int
    error: str | None


class ScanList(BaseModel):
    items: list[ScanRunInfo] = Field(description="Newest first.")


class ScanListQuery(BaseModel):
    limit: int = Field(20, ge=1, le=200, description="How many runs.")


class ScanProblemsQuery(BaseModel):
    kind: Literal["corrupt", "empty", "unsupported", "unreadable", "loop", "other"] | None = Field(
        None, description="Only problems of this kind."
    )
    root: str | None = Field(None, description="Only files in this media root.")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)


class ScanProblem(BaseModel):
    root: str
    path: str
    kind: str
    reason: str | None
    first_seen_at: Timestamp
    last_seen_at: Timestamp


class ScanProblems(BaseModel):
    total: int
    items: list[ScanProblem]


# --- plugins, health ------------------------------------------------------------


class PluginInfo(BaseModel):
    name: str
    version: str | None
    distribution: str | None
    status: str
    hooks: list[str]
    order: int
    owned_paths: list[str]
    migrations: str | None
    config: Any = Field(description="The validated configuration, secrets masked.")
    error: str | None
    hook_failures: int


class PluginList(BaseModel):
    contract: str = Field(description="The plugin contract version this core provides.")
    plugins: list[PluginInfo] = Field(description="In plugin order.")


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(description="`database`, `redis`, `schema`: `ok`, or what is wrong.")
