"""The ``[plugins.lrclib]`` section of plugins.toml."""

from __future__ import annotations

from pydantic import Field, field_validator

from sonantica_core.plugins import PluginConfig


class LrclibConfig(PluginConfig):
    """Where LRCLIB is, how patiently to ask it, and when to ask again."""

    #: The LRCLIB server (a mirror or a self-hosted instance works too).
    base_url: str = "https://lrclib.net"
    #: Seconds one request to LRCLIB may take.
    timeout: float = Field(10.0, gt=0, le=120)
    #: LRCLIB asks clients to say who they are (unset: ``Sonantica/<version> ( <CONTACT> )``).
    user_agent: str | None = Field(None, min_length=1)
    #: Seconds between two requests to LRCLIB across every worker.
    interval: float = Field(1.0, ge=0, le=60)
    #: Tries per request on 503 and time-outs, and the first pause between them (doubled each time).
    attempts: int = Field(2, ge=1, le=10)
    backoff: float = Field(1.0, ge=0, le=60)
    #: Hours LRCLIB's answers are kept in Redis (the plugin's table keeps the lyrics themselves).
    cache_hours: float = Field(24.0, ge=0)
    #: Seconds a search result's duration may differ from the track's and still count as the same song.
    duration_tolerance: float = Field(3.0, ge=0, le=30)
    #: Days after which a track LRCLIB did not know is looked up again.
    retry_missing_after_days: float = Field(30.0, ge=0)
    #: Queue a lookup when a client asks for lyrics that are not cached yet.
    fetch_on_request: bool = True
    #: Queue a lookup for every track a scan adds (polite only for small libraries).
    fetch_on_scan: bool = False

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")
