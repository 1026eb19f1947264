"""The ``[plugins.lrclib]`` section of plugins.toml."""

from __future__ import annotations

from pydantic import Field, field_validator

from sonantica_core.plugins import PluginConfig
from sonantica_lrclib import __version__


class LrclibConfig(PluginConfig):
    """Where LRCLIB is, how patiently to ask it, and when to ask again."""

    #: The LRCLIB server (a mirror or a self-hosted instance works too).
    base_url: str = "https://lrclib.net"
    #: Seconds one request to LRCLIB may take.
    timeout: float = Field(10.0, gt=0, le=120)
    #: LRCLIB asks clients to say who they are.
    user_agent: str = Field(f"Sonantica-lrclib/{__version__} (+https://github.com/sonantica)", min_length=1)
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
