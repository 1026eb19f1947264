"""How files become artists and albums: identity keys.

Albums are grouped by, in order: the MusicBrainz release id; else the album
artist and title; else, for compilations, "Various Artists" and the title; else
the track artist and title. Discs of one release share a key, so a two-disc
album is one album; equal titles by different artists stay apart.
"""

from __future__ import annotations

import functools

from sonantica_core.contract import TagInfo
from sonantica_core.text.folding import fold as _fold

#: Folding is pure and names repeat across a library: remember recent ones.
fold = functools.lru_cache(maxsize=65536)(_fold)

VARIOUS_ARTISTS = "Various Artists"


def artist_key(name: str, musicbrainz_id: str | None = None) -> str:
    return f"mbid:{musicbrainz_id.lower()}" if musicbrainz_id else f"name:{fold(name)}"


def track_artist_names(tags: TagInfo) -> list[str]:
    """The individual artists of a track (multi-valued), else the display string."""
    if tags.artists:
        return list(dict.fromkeys(a for a in tags.artists if a))
    return [tags.artist] if tags.artist else []


def album_artist_names(tags: TagInfo) -> list[str]:
    if tags.album_artists:
        return list(dict.fromkeys(a for a in tags.album_artists if a))
    if tags.album_artist:
        return [tags.album_artist]
    if tags.compilation:
        return [VARIOUS_ARTISTS]
    return track_artist_names(tags)[:1]


def album_display_artist(tags: TagInfo) -> str | None:
    if tags.album_artist:
        return tags.album_artist
    if tags.album_artists:
        return "; ".join(tags.album_artists)
    if tags.compilation:
        return VARIOUS_ARTISTS
    return tags.artist or (tags.artists[0] if tags.artists else None)


def album_key(tags: TagInfo) -> str | None:
    """The grouping key of the file's album, or None when it names no album."""
    if not tags.album:
        return None
    if tags.musicbrainz_release_id:
        return f"mbid:{tags.musicbrainz_release_id.lower()}"
    title = fold(tags.album)
    if tags.album_artist or tags.album_artists:
        return f"artist:{fold(album_display_artist(tags) or '')}|{title}"
    if tags.compilation:
        return f"va:{title}"
    names = track_artist_names(tags)
    return f"artist:{fold(names[0]) if names else ''}|{title}"
