"""A small client for the LRCLIB HTTP API (``/api/get`` and ``/api/search``), through the core's polite client.

Requests are rate-limited across every worker, retried on 503 and time-outs, cached in
Redis, and stopped by the circuit breaker while LRCLIB is down
(:meth:`~sonantica_core.context.CoreContext.outside_client`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sonantica_core.errors import SonanticaError
from sonantica_core.outside import OutsideError, OutsideHTTPError, OutsideTimeout, OutsideUnavailable
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
    """``await LrclibClient(ctx, config).get(...)``: records, or :class:`LrclibError` (``fresh``: skip the cache)."""

    def __init__(self, ctx: Any, config: LrclibConfig, *, fresh: bool = False) -> None:
        self._config = config
        self._cached = not fresh
        self._http = ctx.outside_client(
            "lrclib", base_url=config.base_url, timeout=config.timeout, interval=config.interval,
            attempts=config.attempts, backoff=config.backoff, cache_ttl=config.cache_hours * 3600,
            user_agent=config.user_agent,
        )

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
        try:
            response = await self._http.get(path, params, accept="application/json", cache=self._cached)
        except OutsideTimeout:
            raise LrclibError(f"LRCLIB did not answer {path} within {self._config.timeout:g} s") from None
        except OutsideHTTPError as exc:
            raise LrclibError(f"LRCLIB answered {path} with HTTP {exc.status}") from None
        except OutsideUnavailable as exc:
            raise LrclibError(f"LRCLIB is unreachable at {self._config.base_url}: {exc}") from None
        except OutsideError as exc:
            raise LrclibError(f"LRCLIB could not be asked: {exc}") from None
        if response.status == 404:
            return None
        try:
            return response.json()
        except ValueError:
            raise LrclibError(f"LRCLIB answered {path} with something that is not JSON") from None
