"""Stars and ratings are the core's: what an app marks, the web player and the API see, and the
other way round; the plugin's old tables move into the core's on upgrade."""

from __future__ import annotations

import asyncio

from alembic import command
from sonantica_subsonic import ids
from sqlalchemy import text

from sonantica_core.db import migrate as schema
from sonantica_core.plugins.lineages import plugin_lineage


async def _first_song(library) -> dict:
    return (await library.call("search3", query="", songCount=1))["searchResult3"]["song"][0]


async def test_marks_are_shared_with_the_core(library) -> None:
    song = await _first_song(library)
    track_id = ids.number(song["id"], ids.SONG)
    bearer = {"Authorization": f"Bearer {library.api_key}"}
    client = library.harness.client

    assert (await library.call("star", id=song["id"]))["status"] == "ok"
    assert (await library.call("setRating", id=song["id"], rating=4))["status"] == "ok"
    core_view = (await client.get(f"/api/tracks/{track_id}/annotation", headers=bearer)).json()
    assert (core_view["starred"], core_view["rating"]) == (True, 4)

    # cached Subsonic answers follow a change made through the core's API
    assert [s["id"] for s in (await library.call("getStarred2"))["starred2"]["song"]] == [song["id"]]
    assert (await client.delete(f"/api/tracks/{track_id}/star", headers=bearer)).status_code == 200
    assert (await library.call("getStarred2"))["starred2"].get("song", []) == []
    again = (await library.call("getSong", id=song["id"]))["song"]
    assert "starred" not in again and again["userRating"] == 4


async def test_the_old_tables_move_into_the_core(library, database_url) -> None:
    song = await _first_song(library)
    track_id = ids.number(song["id"], ids.SONG)
    album_id = ids.number(song["albumId"], ids.ALBUM)
    lineage = plugin_lineage("subsonic", "sonantica_subsonic.migrations")
    config = schema.alembic_config(lineage, database_url)
    await asyncio.to_thread(command.downgrade, config, "subsonic_0001")
    async with library.ctx.session() as session:
        await session.execute(
            text("INSERT INTO subsonic_stars (user_id, kind, item_id, starred_at) VALUES "
                 "(:u, 'tr', :t, '2020-01-02T03:04:05Z'), (:u, 'al', :a, '2021-01-01T00:00:00Z'), "
                 "(:u, 'tr', 999999, now())"),  # a track that is gone: left behind
            {"u": library.user_id, "t": track_id, "a": album_id},
        )
        await session.execute(
            text("INSERT INTO subsonic_ratings (user_id, kind, item_id, rating) VALUES (:u, 'tr', :t, 5)"),
            {"u": library.user_id, "t": track_id},
        )
    await asyncio.to_thread(command.upgrade, config, "head")
    async with library.ctx.session() as session:
        track = (await session.execute(
            text("SELECT starred_at, rating FROM track_annotations WHERE user_id = :u AND track_id = :t"),
            {"u": library.user_id, "t": track_id},
        )).one()
        albums = (await session.execute(
            text("SELECT count(*) FROM album_annotations WHERE user_id = :u AND starred_at IS NOT NULL"),
            {"u": library.user_id},
        )).scalar_one()
        gone = (await session.execute(text("SELECT to_regclass('subsonic_stars')"))).scalar_one()
    assert track.starred_at.year == 2020 and track.rating == 5
    assert albums == 1 and gone is None
    starred = (await library.call("getStarred2"))["starred2"]
    assert [s["id"] for s in starred["song"]] == [song["id"]] and len(starred["album"]) == 1
