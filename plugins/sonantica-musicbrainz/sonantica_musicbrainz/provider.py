"""The metadata provider: find the album's release on MusicBrainz, then its cover on the Cover Art Archive."""

from __future__ import annotations

import logging
from typing import Any

from sonantica_core.contract import AlbumRef, MetadataProvider, MetadataValue
from sonantica_core.media.covers import CoverError
from sonantica_core.outside import OutsideError
from sonantica_musicbrainz.config import MusicBrainzConfig
from sonantica_musicbrainz.covers import fetch_front_cover
from sonantica_musicbrainz.matching import score, search_query
from sonantica_musicbrainz.values import SOURCE, release_values
from sonantica_musicbrainz.ws import MusicBrainzWs

log = logging.getLogger("sonantica.musicbrainz")

#: Search results looked up in full (each costs one request, one second).
LOOKUPS = 2


class MusicBrainzProvider(MetadataProvider):
    """Matches by the release MBID in the tags; otherwise searches and scores the best results."""

    name = SOURCE

    def __init__(self, ctx: Any, config: MusicBrainzConfig) -> None:
        self.ctx = ctx
        self.config = config

    def _client(self, service: str, base_url: str, interval: float) -> Any:
        return self.ctx.outside_client(
            service, base_url=base_url, interval=interval, timeout=self.config.timeout,
            attempts=self.config.attempts, backoff=self.config.backoff, cache_ttl=self.config.cache_days * 86400,
        )

    @property
    def ws(self) -> MusicBrainzWs:
        return MusicBrainzWs(self._client("musicbrainz", self.config.base_url, self.config.interval))

    async def enrich_album(self, album: AlbumRef) -> list[MetadataValue]:
        """Raises :class:`~sonantica_core.outside.OutsideError` or ``MusicBrainzError`` when MusicBrainz cannot
        be asked or read (the core records the failure and keeps earlier values)."""
        if album.musicbrainz_release_id:
            found = await self.ws.release(album.musicbrainz_release_id)
            if found is not None:
                release, genres = found
                return await self._with_cover(album, release_values(album, release, genres, candidate=False,
                                                                    score=None))
        best: tuple[float, dict[str, Any], list[str]] | None = None
        for result in (await self.ws.search_releases(search_query(album)))[:LOOKUPS]:
            found = await self.ws.release(result["id"])
            if found is None:
                continue
            release, genres = found
            sureness = score(album, release)
            if best is None or sureness > best[0]:
                best = (sureness, release, genres)
        if best is None:
            return []
        sureness, release, genres = best
        if sureness < self.config.threshold:
            return release_values(album, release, genres, candidate=True, score=sureness)
        return await self._with_cover(album, release_values(album, release, genres, candidate=False,
                                                            score=sureness))

    async def _with_cover(self, album: AlbumRef, values: list[MetadataValue]) -> list[MetadataValue]:
        """Add the front cover (for an album without one); a cover that fails is noted, the facts are kept."""
        mbid = next((v.value for v in values if v.key == "musicbrainz_release_id"), None)
        if album.has_cover or not self.config.covers or mbid is None:
            return values
        client = self._client("coverartarchive", self.config.cover_art_url, self.config.interval)
        try:
            cover_hash = await fetch_front_cover(client, self.ctx.storage, mbid, self.config.cover_size,
                                                 self.config.max_cover_bytes)
        except (OutsideError, CoverError) as exc:
            log.warning("no cover for album %s from the Cover Art Archive: %s", album.id, exc)
            return [*values, MetadataValue("album", album.id, "cover_error", str(exc), SOURCE)]
        if cover_hash is None:
            return values
        return [*values, MetadataValue("album", album.id, "cover_hash", cover_hash, SOURCE)]
