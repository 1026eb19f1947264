"""The core calls third-party metadata and lyrics providers where the docs say, and keeps what they say."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sonantica_core.contract import AlbumRef, Lyrics, LyricsLine, LyricsProvider, MetadataProvider, MetadataValue
from sonantica_core.db.library import Album, Track
from sonantica_core.metadata.tasks import albums_never_enriched, enrich_album_task, queue_enrichment_backlog
from sonantica_core.plugins import Plugin, hookimpl


class Facts(MetadataProvider):
    """Answers per album: a date, a label per track, a genre candidate; fails on request."""

    name = "facts"
    fail = False

    async def enrich_album(self, album: AlbumRef) -> list[MetadataValue]:
        if Facts.fail:
            raise RuntimeError("the facts service is down")
        values = [MetadataValue("album", album.id, "date", "1999-05-04", "facts"),
                  MetadataValue("album", album.id, "country", "GB", "facts"),
                  MetadataValue("album", album.id, "genre", "trip hop", "facts", candidate=True, score=0.4)]
        values += [MetadataValue("track", track.id, "label", "Label One", "facts") for track in album.tracks]
        return values


class PerTrack(MetadataProvider):
    name = "pertrack"

    async def enrich_track(self, track: Any) -> list[MetadataValue]:
        return [MetadataValue("track", track.id, "mood", "calm", "pertrack")]


class Remote(LyricsProvider):
    name = "remote"
    remote = True

    async def find_lyrics(self, track: Any) -> Lyrics | None:
        return Lyrics(source="remote", synced=(LyricsLine(1.0, "far away"),))


class ThirdParty(Plugin):
    name = "thirdparty"
    version = "1.0"
    api = ">=1,<2"

    @hookimpl
    def register_metadata_providers(self, ctx: Any) -> list[MetadataProvider]:
        return [Facts(), PerTrack()]

    @hookimpl
    def register_lyrics_providers(self, ctx: Any) -> list[LyricsProvider]:
        return [Remote()]


async def _album(core: Any) -> tuple[int, list[int]]:
    first = await core.add_track("One", artist="Band", album="Record", duration=100.0)
    async with core.ctx.session() as session:
        album_id = await session.scalar(select(Track.album_id).where(Track.id == first))
        second = await core.add_track("Two", artist="Band", duration=120.0)
        await session.execute(Track.__table__.update().where(Track.id == second).values(album_id=album_id))
    return album_id, [first, second]


async def test_every_provider_is_asked_and_tags_win(plugin_app: Any) -> None:
    Facts.fail = False
    async with plugin_app(ThirdParty()) as core:
        album_id, (first, second) = await _album(core)
        async with core.ctx.session() as session:
            await session.execute(Track.__table__.update().where(Track.id == second).values(label="From Tags"))
        assert await albums_never_enriched(core.ctx) == [album_id]
        assert await queue_enrichment_backlog(core.ctx) == 1  # what the scan task does when it ends
        outcomes = await core.run_task(enrich_album_task, album_id)
        assert await albums_never_enriched(core.ctx) == []
        body = (await core.client.get(f"/api/tracks/{first}/metadata")).json()
        async with core.ctx.session() as session:
            album = await session.get(Album, album_id)
            rows = await session.execute(select(Track.id, Track.label).where(Track.album_id == album_id))
            labels = dict(rows.all())
        async with core.ctx.session() as session:  # a scan rewrites the first track from its tags (no label)
            await session.execute(Track.__table__.update().where(Track.id == first).values(label=None))
        await queue_enrichment_backlog(core.ctx)  # the end of the scan
        async with core.ctx.session() as session:
            label_after_scan = await session.scalar(select(Track.label).where(Track.id == first))
    assert {o["provider"]: o["status"] for o in outcomes} == {"facts": "matched", "pertrack": "matched"}
    assert album.date == "1999-05-04" and album.year == 1999
    assert labels == {first: "Label One", second: "From Tags"}  # the tag's value wins
    assert label_after_scan == "Label One"  # filled in again, without asking the provider
    assert {"key": "label", "value": "Label One", "source": "facts"} in body["track"]
    assert {"key": "mood", "value": "calm", "source": "pertrack"} in body["track"]
    assert {"key": "country", "value": "GB", "source": "facts"} in body["album"]
    facts_run = next(run for run in body["runs"] if run["provider"] == "facts")
    assert facts_run["candidates"] == [{"entity": "album", "entity_id": album_id, "key": "genre",
                                        "value": "trip hop", "score": 0.4}]


async def test_overwrite_setting_lets_providers_replace_tags(plugin_app: Any) -> None:
    Facts.fail = False
    async with plugin_app(ThirdParty(), METADATA_OVERWRITE_TAGS="true") as core:
        album_id, (_, second) = await _album(core)
        async with core.ctx.session() as session:
            await session.execute(Track.__table__.update().where(Track.id == second).values(label="From Tags"))
        await core.run_task(enrich_album_task, album_id)
        async with core.ctx.session() as session:
            label = await session.scalar(select(Track.label).where(Track.id == second))
    assert label == "Label One"


async def test_a_failure_is_recorded_and_nothing_is_lost_then_admin_clears(plugin_app: Any) -> None:
    Facts.fail = False
    async with plugin_app(ThirdParty()) as core:
        album_id, (first, _) = await _album(core)
        await core.run_task(enrich_album_task, album_id)
        Facts.fail = True
        outcomes = await core.run_task(enrich_album_task, album_id)
        body = (await core.client.get(f"/api/tracks/{first}/metadata")).json()
        cleared = await core.client.delete(f"/api/albums/{album_id}/metadata", params={"source": "facts"})
        after = (await core.client.get(f"/api/tracks/{first}/metadata")).json()
        queued = await core.client.post(f"/api/albums/{album_id}/enrich")
        again = await core.client.post(f"/api/albums/{album_id}/enrich")
    Facts.fail = False
    assert {o["provider"]: o["status"] for o in outcomes}["facts"] == "failed"
    run = next(run for run in body["runs"] if run["provider"] == "facts")
    assert run["status"] == "failed" and "the facts service is down" in run["error"]
    assert {"key": "label", "value": "Label One", "source": "facts"} in body["track"]  # kept
    assert cleared.status_code == 200 and cleared.json()["dropped"] >= 3
    assert not [e for e in after["track"] + after["album"] if e["source"] == "facts"]
    assert [run["provider"] for run in after["runs"]] == ["pertrack"]
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    assert again.json()["status"] == "already queued"


async def test_only_admins_enrich(plugin_app: Any) -> None:
    async with plugin_app(ThirdParty()) as core:
        album_id, _ = await _album(core)
        response = await core.client.post(f"/api/albums/{album_id}/enrich", headers={"Authorization": ""})
    assert response.status_code == 401


async def test_remote_lyrics_providers_are_asked_by_the_worker_task(plugin_app: Any) -> None:
    from sonantica_core.lyrics.tasks import find_lyrics_task

    async with plugin_app(ThirdParty()) as core:
        track_id = await core.add_track("Song", artist="Band")
        first = await core.client.get(f"/api/tracks/{track_id}/lyrics")
        assert await core.run_task(find_lyrics_task, track_id) == "found"
        second = await core.client.get(f"/api/tracks/{track_id}/lyrics")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    assert second.status_code == 200
    assert second.json()["structuredLyrics"][0]["line"] == [{"start": 1000, "value": "far away"}]


async def test_the_enrich_command_enriches_albums_never_enriched(plugin_app: Any, capsys: Any) -> None:
    from sonantica_core.cli.enrich import enrich_albums

    Facts.fail = False
    async with plugin_app(ThirdParty()) as core:
        await _album(core)
        status = await enrich_albums(core.ctx, [])
        again = await enrich_albums(core.ctx, [])
        listed = await core.client.get("/api/tracks/0/metadata")
    out = capsys.readouterr().out
    assert status == 0 and again == 0 and listed.status_code == 404
    assert "facts" in out and "matched" in out and "no album to enrich" in out


async def test_a_scan_queues_the_enrichment_of_new_albums(plugin_app: Any, tmp_path: Any) -> None:
    from sonantica_scanner.plugin import ScannerPlugin

    from sonantica_core.scanning.tasks import scan_library
    from sonantica_core.testing.audio import AudioSpec, write_audio

    root = tmp_path / "library"
    (root / "Band" / "Record").mkdir(parents=True)
    write_audio(root / "Band" / "Record" / "01.flac", "flac", AudioSpec(duration=0.3),
                tags={"title": "One", "artist": "Band", "album": "Record"})
    async with plugin_app(ScannerPlugin(), ThirdParty(), MEDIA_PATH=f"music={root}") as core:
        await core.run_task(scan_library)
        async with core.ctx.session() as session:
            album_id = await session.scalar(select(Album.id).where(Album.title == "Record"))
        queued = await core.ctx.redis.xrange("sonantica:tasks:low")
    assert album_id is not None
    assert any(b"core:enrich-album" in b"".join(fields.values()) for _, fields in queued)
