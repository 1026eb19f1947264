"""The lyrics provider: find a track on LRCLIB, exactly or by search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sonantica_core.contract import Lyrics, LyricsProvider, TrackRef
from sonantica_core.text.lrc import read_lrc
from sonantica_lrclib.client import LrclibClient, LrclibRecord
from sonantica_lrclib.config import LrclibConfig


class LrclibLyricsProvider(LyricsProvider):
    """Asks ``/api/get`` with the track's full signature, then ``/api/search`` for a close match."""

    name = "lrclib"
    remote = True

    def __init__(self, ctx: Any, config: LrclibConfig) -> None:
        self.ctx = ctx
        self.config = config

    async def find_lyrics(self, track: TrackRef) -> Lyrics | None:
        record = await self.lookup(track)
        return to_lyrics(record) if record is not None else None

    async def lookup(self, track: TrackRef, *, fresh: bool = False) -> LrclibRecord | None:
        """The LRCLIB entry for ``track``, or None. Raises ``LrclibError`` when LRCLIB cannot be asked.

        ``fresh``: ask LRCLIB even when its answer is cached."""
        artist = track.artist or track.album_artist
        if not track.title or not artist:
            return None
        client = LrclibClient(self.ctx, self.config, fresh=fresh)
        if track.album and track.duration:
            exact = await client.get(track.title, artist, track.album, track.duration)
            if exact is not None:
                return exact
        found = await client.search(track.title, artist)
        return best_match(found, track, self.config.duration_tolerance)


def best_match(records: Sequence[LrclibRecord], track: TrackRef, tolerance: float) -> LrclibRecord | None:
    """The search result most likely to be ``track``: close in duration, with lyrics, same album."""

    def close(record: LrclibRecord) -> bool:
        if track.duration is None or record.duration is None:
            return True
        return abs(record.duration - track.duration) <= tolerance

    candidates = [record for record in records if close(record) and (record.plain or record.synced or
                                                                      record.instrumental)]
    if not candidates:
        return None
    album = (track.album or "").casefold()

    def rank(record: LrclibRecord) -> tuple[bool, bool]:
        return (record.synced is None, (record.album_name or "").casefold() != album)

    return min(candidates, key=rank)


def to_lyrics(record: LrclibRecord) -> Lyrics:
    """An LRCLIB entry as the contract's :class:`Lyrics` (enhanced LRC's word times kept, odd lines noted)."""
    document = read_lrc(record.synced) if record.synced else None
    synced = document.lines if document else ()
    plain = record.plain or (document.plain() if document else None) or None
    return Lyrics(source="lrclib", plain=plain, synced=synced, instrumental=record.instrumental,
                  notes=document.notes if document else ())
