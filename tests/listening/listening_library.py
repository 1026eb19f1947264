"""A small library for the listening tests: known artists, albums, genres and durations."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.db.library import Album, Artist, Genre, Track, TrackArtist, TrackGenre

#: name → (title, artist, album, genre, duration)
TRACKS = {
    "a1": ("Alpha One", "Alpha", "A1", "Jazz", 200.0),
    "a2": ("Alpha Two", "Alpha", "A1", "Jazz", 300.0),
    "a3": ("Alpha Three", "Alpha", "A1", "Jazz", 250.0),
    "b1": ("Beta One", "Beta", "B1", "Rock", 180.0),
    "b2": ("Beta Two", "Beta", "B1", "Rock", 40.0),
    "g1": ("Gamma One", "Gamma", None, "Rock", 600.0),
    "g2": ("Gamma Two", "Gamma", None, "Rock", 200.0),
    "d1": ("Delta One", "Delta", None, "Jazz", 200.0),
}


async def build_small_library(session: AsyncSession) -> dict[str, int]:
    """Insert :data:`TRACKS`; returns names (tracks, and ``artist:Alpha``, ``album:A1``, ``genre:Jazz``) → ids."""
    ids: dict[str, int] = {}
    for name in sorted({t[1] for t in TRACKS.values()}):
        ids[f"artist:{name}"] = (
            await session.execute(
                insert(Artist).values(key=f"k:{name}", name=name, name_folded=name.casefold()).returning(Artist.id)
            )
        ).scalar_one()
    for name, artist in (("A1", "Alpha"), ("B1", "Beta")):
        ids[f"album:{name}"] = (
            await session.execute(
                insert(Album)
                .values(key=f"k:{name}", title=name, title_folded=name.casefold(), album_artist=artist,
                        album_artist_id=ids[f"artist:{artist}"])
                .returning(Album.id)
            )
        ).scalar_one()
    for name in ("Jazz", "Rock"):
        ids[f"genre:{name}"] = (
            await session.execute(insert(Genre).values(name=name, name_folded=name.casefold()).returning(Genre.id))
        ).scalar_one()
    for key, (title, artist, album, genre, duration) in TRACKS.items():
        track_id = (
            await session.execute(
                insert(Track)
                .values(root="music", relative_path=f"{key}.flac", size=1, mtime_ns=0, content_hash=key,
                        title=title, title_folded=title.casefold(), artist=artist, duration=duration,
                        album_id=ids[f"album:{album}"] if album else None)
                .returning(Track.id)
            )
        ).scalar_one()
        ids[key] = track_id
        await session.execute(insert(TrackArtist).values(track_id=track_id, artist_id=ids[f"artist:{artist}"]))
        await session.execute(insert(TrackGenre).values(track_id=track_id, genre_id=ids[f"genre:{genre}"]))
    return ids
