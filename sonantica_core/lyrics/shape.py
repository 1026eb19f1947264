"""Lyrics as JSON: structured lines in the shape of OpenSubsonic's ``structuredLyrics``.

Each entry: ``lang`` (ISO 639, ``"und"`` when unknown), ``synced``, ``offset`` (0: offsets
are applied when read), ``displayArtist``, ``displayTitle`` and ``line``: ``{start, value}``
with ``start`` in milliseconds (synced lyrics only) and, where known, ``words``:
``[{start, value}]`` with their own times.
"""

from __future__ import annotations

from typing import Any

from sonantica_core.contract import Lyrics, LyricsLine, TrackRef


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _line(line: LyricsLine) -> dict[str, Any]:
    entry: dict[str, Any] = {"start": _ms(line.start), "value": line.text}
    if line.words:
        entry["words"] = [{"start": _ms(word.start), "value": word.text} for word in line.words]
    return entry


def structured(lyrics: Lyrics, track: TrackRef) -> dict[str, Any]:
    """One ``structuredLyrics`` entry for ``lyrics``."""
    if lyrics.synced:
        lines = [_line(line) for line in lyrics.synced]
    else:
        lines = [{"value": text} for text in (lyrics.plain or "").split("\n")] if lyrics.plain else []
    return {
        "lang": lyrics.language or "und",
        "synced": bool(lyrics.synced),
        "offset": 0,
        "displayArtist": track.artist or track.album_artist or "",
        "displayTitle": track.title or "",
        "line": lines,
    }


def lyrics_document(lyrics: Lyrics, provider: str, track: TrackRef) -> dict[str, Any]:
    """The stored and answered form of found lyrics (every language the source had)."""
    versions = (lyrics, *lyrics.others)
    notes = [note for version in versions for note in version.notes]
    return {
        "status": "found",
        "source": lyrics.source or provider,
        "provider": provider,
        "synced": bool(lyrics.synced),
        "instrumental": lyrics.instrumental,
        "language": lyrics.language,
        "plain": lyrics.plain or ("\n".join(line.text for line in lyrics.synced) if lyrics.synced else None),
        "structuredLyrics": [structured(version, track) for version in versions if not version.instrumental
                             or version.synced or version.plain],
        "notes": notes,
    }


def none_document() -> dict[str, Any]:
    """The answer when no provider had lyrics."""
    return {"status": "none", "source": None, "provider": None, "synced": False, "instrumental": False,
            "language": None, "plain": None, "structuredLyrics": [], "notes": []}
