"""MusicBrainz and the Cover Art Archive, faked on 127.0.0.1, through the core's enrichment task."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from mb_fake import FakeMusicBrainz, png, release
from sonantica_musicbrainz.plugin import MusicBrainzPlugin
from sqlalchemy import select, update

from sonantica_core.db.library import Album, Track
from sonantica_core.metadata import enrich_album
from sonantica_core.metadata.tasks import enrich_album_task
from sonantica_core.testing.fakeservice import FakeAnswer

TRACKS = [("Intro", 100.0), ("Song", 200.0)]


def _config(fake: FakeMusicBrainz, **extra: Any) -> dict[str, dict[str, Any]]:
    section = {"base_url": fake.url, "cover_art_url": fake.url, "interval": 0.0, "attempts": 2, "backoff": 0.01,
               "timeout": 2.0, "cache_days": 0}
    section.update(extra)
    return {"musicbrainz": section}


async def _album(core: Any, title: str = "Record", artist: str = "Band", mbid: str | None = None,
                 tracks: list[tuple[str, float]] = TRACKS) -> tuple[int, list[int]]:
    ids = [await core.add_track(tracks[0][0], artist=artist, album=title, album_artist=artist,
                                duration=tracks[0][1])]
    async with core.ctx.session() as session:
        album_id = await session.scalar(select(Track.album_id).where(Track.id == ids[0]))
        await session.execute(update(Track).where(Track.id == ids[0]).values(track_number=1))
        await session.execute(update(Album).where(Album.id == album_id).values(musicbrainz_release_id=mbid))
    for number, (name, length) in enumerate(tracks[1:], start=2):
        track_id = await core.add_track(name, artist=artist, duration=length)
        async with core.ctx.session() as session:
            await session.execute(update(Track).where(Track.id == track_id).values(album_id=album_id,
                                                                                   track_number=number))
        ids.append(track_id)
    return album_id, ids


async def _state(core: Any, album_id: int, track_id: int) -> tuple[Any, dict[str, Any]]:
    async with core.ctx.session() as session:
        album = await session.get(Album, album_id)
    return album, (await core.client.get(f"/api/tracks/{track_id}/metadata")).json()


def _run(body: dict[str, Any]) -> dict[str, Any]:
    return next(run for run in body["runs"] if run["provider"] == "musicbrainz")


async def test_an_album_with_its_mbid_gets_date_label_and_cover(plugin_app: Any, musicbrainz: FakeMusicBrainz) -> None:
    musicbrainz.releases["r1"] = release("r1", "Record", "Band", TRACKS)
    musicbrainz.covers["r1"] = png(300, 300)
    async with plugin_app(MusicBrainzPlugin(), config=_config(musicbrainz), CONTACT="admin@example.org") as core:
        album_id, (first, _) = await _album(core, mbid="r1")
        outcomes = await core.run_task(enrich_album_task, album_id)
        album, body = await _state(core, album_id, first)
        cover = await core.client.get(f"/api/covers/{album_id}")
        async with core.ctx.session() as session:
            labels = set((await session.execute(select(Track.label).where(Track.album_id == album_id))).scalars())
    assert outcomes == [{"provider": "musicbrainz", "status": "matched", "values": outcomes[0]["values"],
                         "error": None}]
    assert album.date == "1999-05-04" and album.year == 1999 and album.musicbrainz_release_group_id == "g-r1"
    assert album.cover_hash and cover.status_code == 200 and cover.headers["content-type"].startswith("image/")
    assert labels == {"Label One"}
    album_values = {entry["key"]: entry["value"] for entry in body["album"]}
    assert album_values["country"] == "GB" and album_values["release_type"] == "Album"
    assert album_values["genres"] == "trip hop" and album_values["label"] == "Label One"
    assert {"key": "musicbrainz_recording_id", "value": "r1-rec1", "source": "musicbrainz"} in body["track"]
    requests = musicbrainz.server.requests  # type: ignore[attr-defined]
    assert all(r.headers["User-Agent"].endswith("( admin@example.org )") for r in requests)
    assert "inc" in requests[0].params and requests[0].path == "/ws/2/release/r1"


async def test_a_search_match_by_artist_title_count_and_durations(plugin_app: Any,
                                                                 musicbrainz: FakeMusicBrainz) -> None:
    musicbrainz.releases["r2"] = release("r2", "Record", "Band", [("Intro", 101.0), ("Song", 199.0)])
    async with plugin_app(MusicBrainzPlugin(), config=_config(musicbrainz, covers=False),
                          CONTACT="admin@example.org") as core:
        album_id, (first, _) = await _album(core)
        await core.run_task(enrich_album_task, album_id)
        album, body = await _state(core, album_id, first)
    run = _run(body)
    assert run["status"] == "matched" and run["score"] >= 0.85
    assert album.musicbrainz_release_id == "r2" and album.date == "1999-05-04"
    search = musicbrainz.server.requests[0]  # type: ignore[attr-defined]
    assert search.path == "/ws/2/release/" and 'release:"Record"' in search.params["query"]


async def test_an_ambiguous_album_stays_a_candidate(plugin_app: Any, musicbrainz: FakeMusicBrainz) -> None:
    musicbrainz.releases["r3"] = release("r3", "Record Collection", "Other People",
                                         [("A", 30.0), ("B", 40.0), ("C", 50.0)])
    async with plugin_app(MusicBrainzPlugin(), config=_config(musicbrainz), CONTACT="admin@example.org") as core:
        album_id, (first, _) = await _album(core)
        await core.run_task(enrich_album_task, album_id)
        album, body = await _state(core, album_id, first)
    run = _run(body)
    assert run["status"] == "candidate" and run["score"] < 0.85
    assert {"key": "date", "value": "1999-05-04"} in [{k: c[k] for k in ("key", "value")} for c in run["candidates"]]
    assert album.date is None and album.musicbrainz_release_id is None and album.cover_hash is None
    assert not [entry for entry in body["album"] if entry["source"] == "musicbrainz"]


async def test_a_503_storm_timeouts_and_garbage_are_recorded_and_nothing_is_lost(
    plugin_app: Any, musicbrainz: FakeMusicBrainz
) -> None:
    musicbrainz.releases["r1"] = release("r1", "Record", "Band", TRACKS)
    config = _config(musicbrainz, covers=False, timeout=0.3)
    async with plugin_app(MusicBrainzPlugin(), config=config, CONTACT="admin@example.org") as core:
        album_id, (first, _) = await _album(core, mbid="r1")
        await core.run_task(enrich_album_task, album_id)
        errors = {}
        for name, broken in [
            ("storm", FakeAnswer(503, b"busy", "text/plain")),
            ("slow", FakeAnswer(200, b"", "application/xml", delay=1.0)),
            ("garbage", FakeAnswer(200, b"<html><body>not XML at all", "application/xml")),
        ]:
            musicbrainz.broken = broken
            kept = [key async for key in core.ctx.redis.scan_iter("sonantica:outside:*")]
            if kept:  # a fresh start for each kind of trouble (the circuit breaker forgets)
                await core.ctx.redis.delete(*kept)
            await core.run_task(enrich_album_task, album_id)
            album, body = await _state(core, album_id, first)
            errors[name] = _run(body)["error"]
            assert _run(body)["status"] == "failed"
            assert album.date == "1999-05-04"  # what was found before is kept
            assert {"key": "country", "value": "GB", "source": "musicbrainz"} in body["album"]
    assert "HTTP 503" in errors["storm"]
    assert "no answer within" in errors["slow"]
    assert "not its XML" in errors["garbage"]


async def test_a_fake_or_oversized_cover_is_recorded_and_the_facts_kept(plugin_app: Any,
                                                                       musicbrainz: FakeMusicBrainz) -> None:
    musicbrainz.releases["r1"] = release("r1", "Record", "Band", TRACKS)
    musicbrainz.releases["r2"] = release("r2", "Other", "Band", TRACKS)
    musicbrainz.covers["r1"] = b"GIF89a this is no image" + b"\0" * 100
    musicbrainz.covers["r2"] = png(64, 64) + b"\0" * 20_000
    async with plugin_app(MusicBrainzPlugin(), config=_config(musicbrainz, max_cover_bytes=10_000),
                          CONTACT="admin@example.org") as core:
        fake_album, (fake_track, _) = await _album(core, mbid="r1")
        big_album, (big_track, _) = await _album(core, "Other", mbid="r2")
        await core.run_task(enrich_album_task, fake_album)
        await core.run_task(enrich_album_task, big_album)
        fake, fake_body = await _state(core, fake_album, fake_track)
        big, big_body = await _state(core, big_album, big_track)
    for album, body in ((fake, fake_body), (big, big_body)):
        assert _run(body)["status"] == "matched"
        assert album.cover_hash is None and album.date == "1999-05-04"
    fake_error = next(e["value"] for e in fake_body["album"] if e["key"] == "cover_error")
    big_error = next(e["value"] for e in big_body["album"] if e["key"] == "cover_error")
    assert "not a JPEG, PNG, WebP or GIF" in fake_error
    assert "larger than 10,000 bytes" in big_error or "10,000" in big_error


async def test_two_workers_enriching_at_once_ask_once_a_second(plugin_app: Any, musicbrainz: FakeMusicBrainz) -> None:
    from sonantica_core.context import open_context

    for n in range(2):
        musicbrainz.releases[f"r{n}"] = release(f"r{n}", f"Record{n}", "Band", TRACKS)
    async with plugin_app(MusicBrainzPlugin(), config=_config(musicbrainz, interval=1.0, covers=False),
                          CONTACT="admin@example.org") as core:
        albums = [(await _album(core, f"Record{n}", mbid=None))[0] for n in range(2)]
        settings = core.ctx.settings
        second = await open_context(settings, secret_key=core.ctx.secret_key, postgres_url=core.ctx.postgres_url,
                                    redis_url=core.ctx.redis_url)
        second.services.plugins = core.manager
        try:
            outcomes = await asyncio.gather(enrich_album(core.ctx, albums[0]), enrich_album(second, albums[1]))
        finally:
            await second.close()
    assert [o[0].status for o in outcomes] == ["matched", "matched"]
    asked = sorted(r.at for r in musicbrainz.server.requests if r.path.startswith("/ws/2/"))  # type: ignore
    assert len(asked) == 4  # a search and a lookup per album
    assert min(later - earlier for earlier, later in itertools.pairwise(asked)) >= 1.0


async def test_without_a_contact_the_plugin_stays_off(plugin_app: Any, musicbrainz: FakeMusicBrainz) -> None:
    async with plugin_app(MusicBrainzPlugin(), config=_config(musicbrainz)) as core:
        assert core.status("musicbrainz") == "start error"
        assert "CONTACT" in (core.manager.record("musicbrainz").error or "")
