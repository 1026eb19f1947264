"""Typed ids: ``ar-12`` (artist), ``al-3`` (album), ``tr-99`` (song), ``pl-5`` (playlist).

They are the library's own ids with a prefix, so they stay the same across rescans (the
scanner keeps a track's id when its file is moved or retagged) and a client can tell an
album from an artist in ``getMusicDirectory`` and ``getCoverArt``.
"""

from __future__ import annotations

import re

from sonantica_subsonic.envelope import ErrorCode, SubsonicError

ARTIST, ALBUM, SONG, PLAYLIST = "ar", "al", "tr", "pl"
_ID = re.compile(r"(ar|al|tr|pl)-([1-9][0-9]{0,18})")
_MAX = 2**63 - 1
_NAMES = {ARTIST: "artist", ALBUM: "album", SONG: "song", PLAYLIST: "playlist"}


def make(kind: str, number: int) -> str:
    return f"{kind}-{number}"


def parse(value: str, *kinds: str) -> tuple[str, int]:
    """``(kind, number)`` of a typed id of one of ``kinds``; error 70 for anything else."""
    match = _ID.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or match.group(1) not in kinds or int(match.group(2)) > _MAX:
        what = " or ".join(_NAMES[k] for k in kinds)
        shown = value if len(value) <= 40 else value[:39] + "…"
        raise SubsonicError(ErrorCode.NOT_FOUND, f"{what} not found: {shown!r} is not a {what} id")
    return match.group(1), int(match.group(2))


def number(value: str, kind: str) -> int:
    """The number of a typed id of ``kind``."""
    return parse(value, kind)[1]
