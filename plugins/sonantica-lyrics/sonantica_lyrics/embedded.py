"""Lyrics in the files' tags: ID3 USLT and SYLT, Vorbis and FLAC LYRICS / UNSYNCEDLYRICS, MP4 ©lyr, APEv2 Lyrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import mutagen
from mutagen.id3 import ID3

from sonantica_core.contract import Lyrics, LyricsLine, LyricsProvider, LyricsWord, TrackRef
from sonantica_lyrics.reading import combine, from_text, language_code

SOURCE = "embedded"
#: Samples in one MPEG audio frame (SYLT times given in frames).
_MPEG_FRAME_SAMPLES = 1152
_TEXT_KEYS = ("LYRICS", "UNSYNCEDLYRICS", "UNSYNCED LYRICS", "\xa9lyr", "Lyrics")


def _sylt_lines(frame: Any, seconds_per_unit: float) -> tuple[LyricsLine, ...]:
    """SYLT entries as lines; an entry starting with a line break starts a new line, the others are its words."""
    entries = [(str(text), float(time) * seconds_per_unit) for text, time in frame.text]
    breaks = any(text[:1] in "\r\n" for text, _ in entries[1:])
    groups: list[list[tuple[str, float]]] = []
    for text, start in entries:
        if not groups or not breaks or text[:1] in "\r\n":
            groups.append([])
        groups[-1].append((text.lstrip("\r\n"), start))
    lines = []
    for group in groups:
        text = "".join(part for part, _ in group).strip()
        words = tuple(LyricsWord(round(start, 3), part.strip()) for part, start in group if part.strip())
        lines.append(LyricsLine(round(group[0][1], 3), text, words if len(words) > 1 else ()))
    return tuple(sorted(lines, key=lambda line: line.start))


def _id3_versions(tags: ID3, sample_rate: int | None) -> list[Lyrics]:
    versions: list[Lyrics] = []
    for frame in tags.getall("SYLT"):
        if frame.type not in (0, 1):  # 1: lyrics; 0: other (often lyrics too); others are events, chords ...
            continue
        notes: tuple[str, ...] = ()
        if frame.format == 2:
            unit = 0.001
        elif sample_rate:
            unit = _MPEG_FRAME_SAMPLES / sample_rate
            notes = ("the SYLT times are in MPEG frames; converted at the file's sample rate",)
        else:
            continue
        lines = _sylt_lines(frame, unit)
        if lines:
            versions.append(Lyrics(source=SOURCE, plain="\n".join(line.text for line in lines), synced=lines,
                                   language=language_code(frame.lang), notes=notes))
    for frame in tags.getall("USLT"):
        found = from_text(str(frame.text), SOURCE, language_code(frame.lang))
        if found is not None:
            versions.append(found)
    return versions


def read_embedded(path: Path) -> Lyrics | None:
    """The lyrics in ``path``'s tags, every language and form found, or None."""
    audio = mutagen.File(path)
    if audio is None or audio.tags is None:
        return None
    tags = audio.tags
    if isinstance(tags, ID3):
        versions = _id3_versions(tags, getattr(audio.info, "sample_rate", None))
    else:
        versions = []
        for key in _TEXT_KEYS:
            try:
                values = tags.get(key)
            except (KeyError, ValueError):
                values = None
            for value in values or []:
                found = from_text(str(value), SOURCE)
                if found is not None:
                    versions.append(found)
    return combine(versions)


class EmbeddedLyricsProvider(LyricsProvider):
    """Reads the track's own file (never writes it)."""

    name = SOURCE

    async def find_lyrics(self, track: TrackRef) -> Lyrics | None:
        if track.path is None:
            return None
        path = track.path
        return await anyio.to_thread.run_sync(read_embedded, path)
