"""The ``[plugins.scrobble]`` section of plugins.toml."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from sonantica_core.plugins import PluginConfig


class ScrobbleConfig(PluginConfig):
    """Where the services are, the server's Last.fm API account, and how patiently to retry."""

    #: ListenBrainz's API root (a self-hosted ListenBrainz works too).
    listenbrainz_url: str = "https://api.listenbrainz.org"
    #: Last.fm's API endpoint (Libre.fm and other compatible services work too).
    lastfm_url: str = "https://ws.audioscrobbler.com/2.0/"
    #: Where users approve this server on Last.fm.
    lastfm_auth_url: str = "https://www.last.fm/api/auth/"
    #: The server's Last.fm API account (https://www.last.fm/api/account/create); Last.fm is off without it.
    lastfm_api_key: SecretStr | None = None
    lastfm_api_secret: SecretStr | None = None
    #: Seconds one request to a service may take.
    timeout: float = Field(10.0, gt=0, le=120)
    #: Seconds before the first retry of a scrobble that could not be sent; doubled each time.
    retry_after: float = Field(60.0, gt=0, le=86_400)
    #: The longest wait between two tries, in seconds.
    retry_max: float = Field(6 * 3600.0, gt=0)
    #: Seconds between two sweeps of the queue in each worker (0: only when a play is recorded).
    sweep_interval: float = Field(120.0, ge=0)

    @field_validator("listenbrainz_url", "lastfm_url", "lastfm_auth_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def lastfm_enabled(self) -> bool:
        return self.lastfm_api_key is not None and self.lastfm_api_secret is not None
