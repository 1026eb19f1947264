"""A small client for the LRCLIB HTTP API (``/api/get`` and ``/api/search``)."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from sonantica_core.errors import SonanticaError
from sonantica_lrclib.config import LrclibConfig


class LrclibError(SonanticaError):
    """LRCLIB could not be asked (unreachable, too slow, or an unexpected answer)."""


@dataclass(frozen=True, slots=True)
class LrclibRecord:
    """One LRCLIB entry: a song and its lyrics."""

    id: int | None
    track_name: str
    artist_name: str
    album_name: str | None
    duration: float | None
    instrumental: bool
    plain: str | None
    synced: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LrclibRecord:
        return cls(
            id=data.get("id"),
            track_name=data.get("trackName") or "",
            artist_name=data.get("artistName") or "",
            album_name=data.get("albumName"),
            duration=data.get("duration"),
            instrumental=bool(data.get("instrumental")),
            plain=data.get("plainLyrics") or None,
            synced=data.get("syncedLyrics") or None,
        )


class LrclibClient:
    """``async with LrclibClient(config) as client: await client.get(...)``."""

    def __init__(self, config: LrclibConfig) -> None:
        self._config = config
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> LrclibClient:
        self._http = httpx.AsyncClient(
            base_url=self._config.base_url,
            timeout=self._config.timeout,
            headers={"User-Agent": self._config.user_agent, "Accept": "application/json"},
            follow_redirects=True,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def get(self, track_name: str, artist_name: str, album_name: str, duration: float) -> LrclibRecord | None:
        """The entry matching this exact signature (LRCLIB allows ±2 s on the duration), or None."""
        params = {
            "track_name": track_name,
            "artist_name": artist_name,
            "album_name": album_name,
            "duration": str(round(duration)),
        }
        data = await self._request("/api/get", params)
        return LrclibRecord.from_json(data) if isinstance(data, dict) else None

    async def search(self, track_name: str, artist_name: str | None = None) -> list[LrclibRecord]:
        """Entries whose title (and artist, if given) match, best first as LRCLIB ranks them."""
        params = {"track_name": track_name}
        if artist_name:
            params["artist_name"] = artist_name
        data = await self._request("/api/search", params)
        if not isinstance(data, list):
            return []
        return [LrclibRecord.from_json(item) for item in data if isinstance(item, dict)]

    async def _request(self, path: str, params: dict[str, str]) -> Any:
        if self._http is None:
            raise RuntimeError("use LrclibClient in `async with`")
        try:
            response = await self._http.get(path, params=params)
        except httpx.TimeoutException:
            raise LrclibError(f"LRCLIB did not answer {path} within {self._config.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise LrclibError(f"LRCLIB is unreachable at {self._config.base_url}: {exc}") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise LrclibError(f"LRCLIB answered {path} with HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise LrclibError(f"LRCLIB answered {path} with something that is not JSON") from None
