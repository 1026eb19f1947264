"""``.lrc`` files beside the audio: ``song.lrc``, and ``song.<lang>.lrc`` for other languages."""

from __future__ import annotations

import re
from pathlib import Path

import anyio

from sonantica_core.contract import Lyrics, LyricsProvider, TrackRef
from sonantica_lyrics.reading import combine, from_text

SOURCE = "sidecar"
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")


def sidecar_files(audio: Path) -> list[tuple[Path, str | None]]:
    """The sidecars of ``audio`` and the language each file name gives (None: not named), plain one first."""
    found: list[tuple[Path, str | None]] = []
    try:
        siblings = sorted(audio.parent.iterdir())
    except OSError:
        return []
    stem = audio.stem
    for path in siblings:
        if path.suffix.lower() != ".lrc" or not path.is_file():
            continue
        name = path.name[: -len(path.suffix)]
        if name == stem:
            found.append((path, None))
        elif name.startswith(stem + ".") and _LANGUAGE.match(name[len(stem) + 1 :]):
            found.append((path, name[len(stem) + 1 :].lower().replace("_", "-")))
    return sorted(found, key=lambda item: item[1] is not None)


def _decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    try:
        return data.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), ("the file is not UTF-8; read as Windows-1252",)


def read_sidecars(audio: Path, max_bytes: int) -> Lyrics | None:
    """Every sidecar of ``audio`` read, one language each, or None when there is none with words."""
    versions = []
    for path, language in sidecar_files(audio):
        try:
            if path.stat().st_size > max_bytes:
                continue
            text, notes = _decode(path.read_bytes())
        except OSError:
            continue
        found = from_text(text, SOURCE, language, notes, lrc=True)
        if found is not None:
            versions.append(found)
    return combine(versions)


class SidecarLyricsProvider(LyricsProvider):
    """Reads ``.lrc`` files in the track's folder (never writes there)."""

    name = SOURCE

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    async def find_lyrics(self, track: TrackRef) -> Lyrics | None:
        if track.path is None:
            return None
        path = track.path
        return await anyio.to_thread.run_sync(read_sidecars, path, self.max_bytes)
