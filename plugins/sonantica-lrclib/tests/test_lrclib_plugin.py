"""The lrclib plugin in a running core: its task, table, route, provider and configuration."""

from __future__ import annotations

import asyncio
import json

import httpx
from alembic import command
from lrclib_fake import SYNCED, FakeLrclib, song
from sonantica_lrclib.plugin import LrclibPlugin
from sonantica_lrclib.tasks import fetch_lyrics
from sqlalchemy import text

from sonantica_core.contract import LyricsLine, TracksChanged
from sonantica_core.db import migrate as schema
from sonantica_core.plugins import track_ref
from sonantica_core.plugins.lineages import plugin_lineages


def known_song(server: FakeLrclib) -> None:
    server.songs.append(song(42, "Song", "The Band", "Album", 200, syncedLyrics=SYNCED, plainLyrics="First line"))


async def test_the_task_fetches_and_caches_and_the_route_serves_timed_lines(plugin_app, lrclib_server) -> None:
    known_song(lrclib_server)
    async with plugin_app(LrclibPlugin(), config={"lrclib": {"base_url": lrclib_server.url}}) as core:
        track_id = await core.add_track("Song", artist="The Band", album="Album", duration=200.2)
        assert await core.run_task(fetch_lyrics, track_id) == "found"
        response = await core.client.get(f"/plugins/lrclib/lyrics/{track_id}")
        # cached: LRCLIB is not asked again
        assert await core.run_task(fetch_lyrics, track_id) == "cached"
    assert response.status_code == 200
    body = response.json()
    assert body["synced"] == [
        {"start": 1.5, "text": "First line"},
        {"start": 4.0, "text": "Chorus"},
        {"start": 8.1, "text": "Second line"},
        {"start": 12.25, "text": "Chorus"},
    ]
    assert (body["track_id"], body["source"], body["plain"], body["instrumental"]) == (
        track_id, "lrclib", "First line", False,
    )
    assert len(lrclib_server.requests) == 1


async def test_an_unknown_song_is_remembered_and_asked_again_only_when_forced(plugin_app, lrclib_server) -> None:
    async with plugin_app(LrclibPlugin(), config={"lrclib": {"base_url": lrclib_server.url}}) as core:
        track_id = await core.add_track("Nobody Knows", artist="Someone")
        assert await core.run_task(fetch_lyrics, track_id) == "not found"
        response = await core.client.get(f"/plugins/lrclib/lyrics/{track_id}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "no_lyrics"
        assert await core.run_task(fetch_lyrics, track_id) == "cached"
        asked = len(lrclib_server.requests)
        lrclib_server.songs.append(song(9, "Nobody Knows", "Someone", "Later", 180, plainLyrics="now known"))
        assert await core.run_task(fetch_lyrics, track_id, force=True) == "found"
        assert len(lrclib_server.requests) > asked


async def test_a_lookup_is_queued_when_a_client_asks_first(plugin_app, lrclib_server) -> None:
    async with plugin_app(LrclibPlugin(), config={"lrclib": {"base_url": lrclib_server.url}}) as core:
        track_id = await core.add_track("Song", artist="The Band")
        first = await core.client.get(f"/plugins/lrclib/lyrics/{track_id}")
        again = await core.client.get(f"/plugins/lrclib/lyrics/{track_id}")
        queued = await core.ctx.redis.xlen("sonantica:tasks:high")
        missing = await core.client.get("/plugins/lrclib/lyrics/999999")
    assert first.status_code == 202 and first.json() == {"status": "queued", "track_id": track_id}
    assert first.headers["retry-after"] == "2"
    assert again.status_code == 202
    assert queued == 1  # asked twice, queued once
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "there is no track 999999"


async def test_the_route_needs_a_signed_in_user(plugin_app, lrclib_server) -> None:
    async with plugin_app(LrclibPlugin(), config={"lrclib": {"base_url": lrclib_server.url}}) as core:
        transport = httpx.ASGITransport(app=core.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as anonymous:
            assert (await anonymous.get("/plugins/lrclib/lyrics/1")).status_code == 401


async def test_the_core_finds_lyrics_through_the_provider_hook(plugin_app, lrclib_server) -> None:
    known_song(lrclib_server)
    async with plugin_app(LrclibPlugin(), config={"lrclib": {"base_url": lrclib_server.url}}) as core:
        track_id = await core.add_track("Song", artist="The Band", album="Album", duration=199.6)
        providers = core.manager.lyrics_providers()
        track = await track_ref(core.ctx, track_id)
        answer = await core.manager.ask_first(providers, lambda provider: provider.find_lyrics(track))
    assert [p.name for p in providers] == ["lrclib"]
    assert answer is not None and answer[1].synced[0] == LyricsLine(1.5, "First line")


async def test_tracks_added_by_a_scan_are_queued_when_asked_to(plugin_app, lrclib_server) -> None:
    config = {"lrclib": {"base_url": lrclib_server.url, "fetch_on_scan": True}}
    async with plugin_app(LrclibPlugin(), config=config) as core:
        await core.manager.notify(core.ctx, TracksChanged(added=(1, 2, 3)))
        queued = [
            json.loads(fields[b"data"])
            for stream in ("sonantica:tasks:low", "sonantica:tasks:high")
            for _, fields in await core.ctx.redis.xrange(stream)
        ]
    assert sorted((message["task_name"], message["args"]) for message in queued) == [
        ("lrclib:fetch", [1]), ("lrclib:fetch", [2]), ("lrclib:fetch", [3]),
    ]


async def test_a_wrong_setting_is_a_config_error_naming_the_key(plugin_app) -> None:
    async with plugin_app(LrclibPlugin(), config={"lrclib": {"timeout": -1}}) as core:
        assert core.status("lrclib") == "config error"
        assert core.manager.record("lrclib").error == (
            "[plugins.lrclib] timeout: Input should be greater than 0 (got -1)"
        )
        assert (await core.client.get("/plugins/lrclib/lyrics/1")).status_code == 404  # never mounted
        assert (await core.client.get("/api/plugins")).json()["plugins"][0]["status"] == "config error"


async def test_the_table_comes_and_goes_with_its_own_migrations(plugin_app, database_url) -> None:
    async with plugin_app(LrclibPlugin()) as core:
        [lineage] = plugin_lineages(core.manager)
        assert (lineage.name, lineage.version_table) == ("lrclib", "alembic_version_lrclib")
        assert await schema.current_revision(database_url, lineage) == "lrclib_0001"
        track_id = await core.add_track("Song", artist="The Band")
        async with core.ctx.session() as session:
            await session.execute(text("INSERT INTO lrclib_lyrics (track_id, found) VALUES (:id, false)"),
                                  {"id": track_id})
            await session.execute(text("DELETE FROM tracks WHERE id = :id"), {"id": track_id})
            rows = (await session.execute(text("SELECT count(*) FROM lrclib_lyrics"))).scalar()
        assert rows == 0  # the cache row went with its track
        await asyncio.to_thread(command.downgrade, schema.alembic_config(lineage, database_url), "base")
        async with core.ctx.session() as session:
            exists = (await session.execute(text("SELECT to_regclass('lrclib_lyrics')"))).scalar()
        assert exists is None


async def test_in_the_core_lyrics_chain_lrclib_is_asked_by_the_worker(plugin_app, lrclib_server) -> None:
    from sonantica_core.lyrics.tasks import find_lyrics_task

    known_song(lrclib_server)
    lrclib_server.songs[-1]["syncedLyrics"] = "[00:01.00]<00:01.00>Word <00:01.40>by <00:01.80>word\n[00:03.00]Next"
    config = {"lrclib": {"base_url": lrclib_server.url, "interval": 0}}
    async with plugin_app(LrclibPlugin(), config=config, CONTACT="admin@example.org") as core:
        track_id = await core.add_track("Song", artist="The Band", album="Album", duration=200.2)
        first = await core.client.get(f"/api/tracks/{track_id}/lyrics")
        asked_on_request = len(lrclib_server.requests)
        assert await core.run_task(find_lyrics_task, track_id) == "found"
        answer = await core.client.get(f"/api/tracks/{track_id}/lyrics")
    assert first.status_code == 202 and first.json()["status"] == "queued" and asked_on_request == 0
    body = answer.json()
    assert answer.status_code == 200 and body["source"] == "lrclib" and body["synced"] is True
    assert body["structuredLyrics"][0]["line"][0] == {"start": 1000, "value": "Word by word", "words": [
        {"start": 1000, "value": "Word"}, {"start": 1400, "value": "by"}, {"start": 1800, "value": "word"}]}
    assert lrclib_server.requests[0][2]["User-Agent"].endswith("( admin@example.org )")
