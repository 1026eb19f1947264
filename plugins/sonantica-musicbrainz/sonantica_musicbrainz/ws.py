"""MusicBrainz's XML web service (``/ws/2``) through the core's polite client, read by musicbrainzngs."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Any

from musicbrainzngs import mbxml

from sonantica_core.outside import OutsideClient
from sonantica_musicbrainz.errors import MusicBrainzError

#: What a release lookup includes.
RELEASE_INCLUDES = "artists+labels+recordings+release-groups+tags+genres"
_NS = "{http://musicbrainz.org/ns/mmd-2.0#}"


def _parse(content: bytes, what: str) -> tuple[dict[str, Any], list[str]]:
    """The message as musicbrainzngs reads it, and the genre names (which musicbrainzngs 0.7 leaves out)."""
    try:
        message = mbxml.parse_message(io.BytesIO(content))
        root = ET.fromstring(content)
    except (ET.ParseError, ValueError, AttributeError, TypeError) as exc:
        raise MusicBrainzError(f"MusicBrainz's answer to {what} is not its XML ({exc})") from None
    genres = [name.text for name in root.iter(f"{_NS}genre") for name in name.iter(f"{_NS}name") if name.text]
    return message, genres


class MusicBrainzWs:
    """Searches and lookups of releases."""

    def __init__(self, client: OutsideClient) -> None:
        self.client = client

    async def search_releases(self, query: str, limit: int = 5) -> list[dict[str, Any]]:
        response = await self.client.get("/ws/2/release/", {"query": query, "limit": str(limit)},
                                         accept="application/xml")
        if response.status == 404:
            return []
        message, _ = _parse(response.content, "a release search")
        return list(message.get("release-list") or [])

    async def release(self, mbid: str) -> tuple[dict[str, Any], list[str]] | None:
        """The release with its media, recordings, labels, release group, tags and genres; None if unknown."""
        response = await self.client.get(f"/ws/2/release/{mbid}", {"inc": RELEASE_INCLUDES},
                                         accept="application/xml")
        if response.status == 404:
            return None
        message, genres = _parse(response.content, f"the release {mbid}")
        release = message.get("release")
        if not isinstance(release, dict):
            raise MusicBrainzError(f"MusicBrainz's answer about {mbid} has no release")
        return release, genres
