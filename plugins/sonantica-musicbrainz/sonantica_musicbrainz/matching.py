"""How sure a MusicBrainz release is the album: title, artist, track count and durations, 0 to 1."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from sonantica_core.contract import AlbumRef
from sonantica_core.text.folding import fold

#: Seconds a track's duration may differ from the recording's and still agree.
DURATION_TOLERANCE = 5.0


def _similar(a: str | None, b: str | None) -> float:
    left, right = fold(a or ""), fold(b or "")
    if not left or not right:
        return 0.0
    return SequenceMatcher(None, left, right).ratio()


def release_tracks(release: dict[str, Any]) -> list[dict[str, Any]]:
    """The release's tracks over all its media, in order."""
    return [track for medium in release.get("medium-list") or [] for track in medium.get("track-list") or []]


def track_count(release: dict[str, Any]) -> int:
    return sum(int(medium.get("track-count") or len(medium.get("track-list") or [])) for medium in
               release.get("medium-list") or [])


def _durations(album: AlbumRef, release: dict[str, Any]) -> float | None:
    """Share of the album's tracks whose duration agrees with the release's track at the same place."""
    tracks = release_tracks(release)
    pairs = [(ours.duration, theirs.get("length") or (theirs.get("recording") or {}).get("length"))
             for ours, theirs in zip(album.tracks, tracks, strict=False)]
    known = [(ours, float(theirs) / 1000) for ours, theirs in pairs if ours and theirs]
    if not known:
        return None
    return sum(abs(ours - theirs) <= DURATION_TOLERANCE for ours, theirs in known) / len(known)


def score(album: AlbumRef, release: dict[str, Any]) -> float:
    """0 to 1: title 30 %, artist 30 %, track count 20 %, durations 20 % (their share goes to the rest if unknown)."""
    parts = [
        (0.3, _similar(album.title, release.get("title"))),
        (0.3, _similar(album.album_artist or (album.tracks[0].artist if album.tracks else None),
                       release.get("artist-credit-phrase"))),
        (0.2, 1.0 if track_count(release) == len(album.tracks) else 0.0),
    ]
    durations = _durations(album, release)
    if durations is not None:
        parts.append((0.2, durations))
    weight = sum(w for w, _ in parts)
    return round(sum(w * value for w, value in parts) / weight, 3)


def search_query(album: AlbumRef) -> str:
    """A Lucene query for the album on MusicBrainz's release search."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", " ").replace('"', " ") + '"'

    terms = [f"release:{quoted(album.title)}"]
    artist = album.album_artist or (album.tracks[0].artist if album.tracks else None)
    if artist:
        terms.append(f"artist:{quoted(artist)}")
    if album.tracks:
        terms.append(f"tracks:{len(album.tracks)}")
    return " AND ".join(terms)
