"""``search3`` and ``search2``: the core's ranked search (accents, typos), paged per kind.

An empty query (``""`` or ``""``-quoted, as offline-syncing clients send) lists everything,
paged by id, so a client can copy the whole library page by page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from sonantica_core.db.library import Album, Artist, Track
from sonantica_core.library.search import CANDIDATES, search
from sonantica_subsonic import shapes
from sonantica_subsonic.api import Call, method
from sonantica_subsonic.system import folder_root

MAX_PAGE = 500


def _pages(call: Call) -> dict[str, tuple[int, int]]:
    return {
        kind: (
            call.params.integer(f"{kind}Count", 20, high=MAX_PAGE) or 0,
            call.params.integer(f"{kind}Offset", 0) or 0,
        )
        for kind in ("artist", "album", "song")
    }


async def _everything(call: Call, pages: dict[str, tuple[int, int]], root: str | None) -> dict[str, Any]:
    counts = shapes.artist_album_counts()
    async with call.ctx.session() as session:
        size, offset = pages["artist"]
        artist_query = (
            select(Artist, func.coalesce(counts.c.album_count, 0))
            .join(counts, counts.c.artist_id == Artist.id)
            .order_by(Artist.id)
            .limit(size)
            .offset(offset)
        )
        size, offset = pages["album"]
        album_query = shapes.album_select().order_by(Album.id).limit(size).offset(offset)
        size, offset = pages["song"]
        song_query = shapes.song_select().order_by(Track.id).limit(size).offset(offset)
        if root is not None:
            song_query = song_query.where(Track.root == root)
        return {
            "artist": await shapes.artists(session, call.user_id, (await session.execute(artist_query)).all()),
            "album": await shapes.albums(session, call.user_id, (await session.execute(album_query)).all()),
            "song": await shapes.songs(session, call.user_id, (await session.execute(song_query)).all()),
        }


async def _ranked(call: Call, query: str, pages: dict[str, tuple[int, int]], root: str | None) -> dict[str, Any]:
    deepest = max(count + offset for count, offset in pages.values())
    async with call.ctx.engine.connect() as conn:
        found = await search(conn, query, min(max(deepest, 1), CANDIDATES))

    def window(kind: str, items: list[dict[str, Any]]) -> list[int]:
        count, offset = pages[kind]
        return [int(item["id"]) for item in items[offset : offset + count]]

    artist_ids, album_ids, track_ids = (
        window("artist", found.artists),
        window("album", found.albums),
        window("song", found.tracks),
    )
    counts = shapes.artist_album_counts()
    async with call.ctx.session() as session:
        artist_rows = (
            (
                await session.execute(
                    select(Artist, func.coalesce(counts.c.album_count, 0))
                    .outerjoin(counts, counts.c.artist_id == Artist.id)
                    .where(Artist.id.in_(artist_ids))
                )
            ).all()
            if artist_ids
            else []
        )
        album_rows = (
            (await session.execute(shapes.album_select().where(Album.id.in_(album_ids)))).all() if album_ids else []
        )
        song_query = shapes.song_select().where(Track.id.in_(track_ids))
        if root is not None:
            song_query = song_query.where(Track.root == root)
        song_rows = (await session.execute(song_query)).all() if track_ids else []

        def ordered(rows: list[Any], key: Any, wanted: list[int]) -> list[Any]:
            by_id = {key(r): r for r in rows}
            return [by_id[i] for i in wanted if i in by_id]

        return {
            "artist": await shapes.artists(session, call.user_id, ordered(artist_rows, lambda r: r[0].id, artist_ids)),
            "album": await shapes.albums(session, call.user_id, ordered(album_rows, lambda r: r.Album.id, album_ids)),
            "song": await shapes.songs(session, call.user_id, ordered(song_rows, lambda r: r.Track.id, track_ids)),
        }


async def _search(call: Call) -> dict[str, Any]:
    query = (call.params.get("query") or "").strip()
    if query in ('""', "''", "*"):
        query = ""
    pages, root = _pages(call), folder_root(call)
    if not query:
        return await _everything(call, pages, root)
    return await _ranked(call, query, pages, root)


@method("search3", cached=True)
async def search3(call: Call) -> dict[str, Any]:
    return {"searchResult3": await _search(call)}


@method("search2", cached=True)
async def search2(call: Call) -> dict[str, Any]:
    found = await _search(call)
    artists = [shapes.folder_artist(a) for a in found["artist"]]
    albums = [shapes.album_as_child(a) for a in found["album"]]
    return {"searchResult2": {"artist": artists, "album": albums, "song": found["song"]}}
