"""The stream route end to end: ranges on a real FLAC file, signed URLs, downloads, bad ids."""

from __future__ import annotations

import asyncio
import os
import time
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, update

from sonantica_core.auth.keys import secure_link_secret
from sonantica_core.auth.signed_urls import signed_stream_url
from sonantica_core.db.library import Track
from sonantica_core.db.playback import Download
from sonantica_core.media.trackcache import get_track_cache, invalidate_track
from sonantica_core.streaming import secure_link_token


async def test_whole_file_and_ranges_are_exact(client, user_headers, song_id, media) -> None:
    whole = await client.get(f"/api/stream/{song_id}", headers=user_headers)
    assert whole.status_code == 200
    assert whole.content == media.data
    assert whole.headers["content-type"] == "audio/flac"
    assert whole.headers["accept-ranges"] == "bytes"
    etag = whole.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")

    size = len(media.data)
    for header, start, end in (
        ("bytes=0-0", 0, 0),
        ("bytes=100-4195", 100, 4195),
        (f"bytes={size - 1000}-", size - 1000, size - 1),
        ("bytes=-512", size - 512, size - 1),
    ):
        part = await client.get(f"/api/stream/{song_id}", headers={**user_headers, "Range": header})
        assert part.status_code == 206, header
        assert part.content == media.data[start : end + 1], header
        assert part.headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert part.headers["etag"] == etag

    seek = await client.get(
        f"/api/stream/{song_id}", headers={**user_headers, "Range": "bytes=10-19", "If-Range": etag}
    )
    assert seek.status_code == 206 and seek.content == media.data[10:20]
    stale = await client.get(
        f"/api/stream/{song_id}", headers={**user_headers, "Range": "bytes=10-19", "If-Range": '"other"'}
    )
    assert stale.status_code == 200 and stale.content == media.data
    unsatisfiable = await client.get(f"/api/stream/{song_id}", headers={**user_headers, "Range": f"bytes={size}-"})
    assert unsatisfiable.status_code == 416
    head = await client.head(f"/api/stream/{song_id}", headers=user_headers)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(size)
    not_modified = await client.get(f"/api/stream/{song_id}", headers={**user_headers, "If-None-Match": etag})
    assert not_modified.status_code == 304


async def test_one_lookup_then_cached(client, core, user_headers, song_id) -> None:
    cache = get_track_cache(core)
    before = cache.misses
    for _ in range(5):
        response = await client.get(f"/api/stream/{song_id}", headers={**user_headers, "Range": "bytes=0-9"})
        assert response.status_code == 206
    assert cache.misses == before + 1


async def test_signed_url_works_without_a_header(client, make_user, song_id, media, core) -> None:
    user, headers = await make_user("listener")
    other, _ = await make_user("someone-else")
    answer = await client.get(f"/api/tracks/{song_id}/stream-url", headers=headers)
    assert answer.status_code == 200, answer.text
    url = answer.json()["url"]
    assert answer.json()["expires"] > time.time()
    assert url == answer.json()["api_url"]
    ranged = await client.get(url, headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.content == media.data[:100]
    assert (await client.post(f"/api/tracks/{song_id}/stream-url", headers=headers)).status_code == 200

    query = parse_qs(urlsplit(url).query)
    exp, uid, sig = int(query["exp"][0]), int(query["uid"][0]), query["sig"][0]
    assert uid == user.id
    refusals = {
        "no signature": f"/api/stream/{song_id}",
        "expired": signed_stream_url(core.secret_key, song_id, user.id, int(time.time()) - 1),
        "tampered": f"/api/stream/{song_id}?exp={exp}&uid={uid}&sig={sig[:-1]}{'A' if sig[-1] != 'A' else 'B'}",
        "longer expiry": f"/api/stream/{song_id}?exp={exp + 3600}&uid={uid}&sig={sig}",
        "other track": f"/api/stream/{song_id + 1}?exp={exp}&uid={uid}&sig={sig}",
        "other user": f"/api/stream/{song_id}?exp={exp}&uid={other.id}&sig={sig}",
        "doubled": f"{url}&sig={sig}",
        "foreign secret": signed_stream_url("another-secret-" + "z" * 40, song_id, user.id, exp),
    }
    for name, bad in refusals.items():
        response = await client.get(bad)
        assert response.status_code in (401, 403), name
        assert response.json()["error"]["code"] in ("unauthorized", "bad_signature", "link_expired"), name
        assert media.data[:100] not in response.content
    expired = await client.get(refusals["expired"])
    assert expired.json()["error"]["code"] == "link_expired"
    # a signed URL opens the stream route only
    assert (await client.get(f"/api/me?exp={exp}&uid={uid}&sig={sig}")).status_code == 401


async def test_signed_url_of_a_disabled_user_stops(client, make_user, song_id, admin_headers) -> None:
    user, headers = await make_user("soon-disabled")
    url = (await client.get(f"/api/tracks/{song_id}/stream-url", headers=headers)).json()["url"]
    assert (await client.get(url, headers={"Range": "bytes=0-0"})).status_code == 206
    disabled = await client.patch(f"/api/users/{user.id}", json={"disabled": True}, headers=admin_headers)
    assert disabled.status_code == 200
    assert (await client.get(url, headers={"Range": "bytes=0-0"})).status_code == 403


async def test_download_sets_the_file_name_and_is_recorded(client, core, make_user, song_id, media) -> None:
    user, headers = await make_user("downloader")
    full = await client.get(f"/api/stream/{song_id}?download=1", headers=headers)
    assert full.status_code == 200 and full.content == media.data
    disposition = full.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''01%20S%C3%B6ng%20%22one%22.flac" in disposition
    assert 'filename="01 S_ng _one_.flac"' in disposition
    # a resumed download (range from the middle) and a plain stream are not recorded again
    await client.get(f"/api/stream/{song_id}?download=1", headers={**headers, "Range": "bytes=500-"})
    await client.get(f"/api/stream/{song_id}", headers=headers)
    signed = (await client.get(f"/api/tracks/{song_id}/stream-url?download=1", headers=headers)).json()["url"]
    assert "download=1" in signed
    assert (await client.get(signed)).headers["content-disposition"] == disposition
    async with core.session() as session:
        rows = (await session.execute(select(Download))).scalars().all()
    assert [(r.user_id, r.track_id) for r in rows] == [(user.id, song_id)] * 2


async def test_bad_track_ids_are_404_json(client, user_headers) -> None:
    for raw in ("abc", "-1", "0", "007", "1e3", "0x10", "1;DROP", "1%3BDROP%20TABLE%20tracks", "99999999999999999999",
                "9223372036854775808", "1.0", "%20%31", "１２"):
        for path in (f"/api/stream/{raw}", f"/api/tracks/{raw}/stream-url"):
            response = await client.get(path, headers=user_headers)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["error"]["code"] == "not_found"
    missing = await client.get("/api/stream/9223372036854775807", headers=user_headers)
    assert missing.status_code == 404


async def test_removed_and_vanished_tracks(client, core, add_track, user_headers, media, song_id) -> None:
    removed = await add_track("Artist/Album/gone.flac", removed=True)
    assert (await client.get(f"/api/stream/{removed}", headers=user_headers)).status_code == 404
    assert (await client.get(f"/api/tracks/{removed}/stream-url", headers=user_headers)).status_code == 404

    assert (await client.get(f"/api/stream/{song_id}", headers=user_headers)).status_code == 200
    moved = media.song.with_name("moved.flac")
    os.rename(media.song, moved)
    gone = await client.get(f"/api/stream/{song_id}", headers=user_headers)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "file_unavailable"
    assert "missing from disk" in gone.json()["error"]["message"]

    # the rescan records the move and invalidates: the stream follows at once
    async with core.session() as session:
        await session.execute(
            update(Track).where(Track.id == song_id).values(relative_path="Artist/Album/moved.flac")
        )
    await invalidate_track(core, song_id)
    back = await client.get(f"/api/stream/{song_id}", headers=user_headers)
    assert back.status_code == 200 and back.content == media.data

    # marked removed by a scan: refused once invalidated
    async with core.session() as session:
        await session.execute(update(Track).where(Track.id == song_id).values(removed_at=Track.added_at))
    await invalidate_track(core, song_id)
    assert (await client.get(f"/api/stream/{song_id}", headers=user_headers)).status_code == 404


async def test_unknown_root_is_404(client, add_track, user_headers) -> None:
    track = await add_track("whatever.flac", root="elsewhere")
    response = await client.get(f"/api/stream/{track}", headers=user_headers)
    assert response.status_code == 404
    assert "not configured" in response.json()["error"]["message"]


async def test_file_replaced_in_place_gets_a_new_etag(client, user_headers, song_id, media) -> None:
    first = await client.get(f"/api/stream/{song_id}", headers=user_headers)
    new = media.data[::-1]
    media.song.write_bytes(new)
    os.utime(media.song, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    second = await client.get(f"/api/stream/{song_id}", headers=user_headers)
    assert second.content == new
    assert second.headers["etag"] != first.headers["etag"]


async def test_stream_start_hook_runs_once_per_track(client, core, user_headers, song_id) -> None:
    calls: list[tuple[int, int]] = []
    done = asyncio.Event()

    async def hook(ctx, track_id: int, user_id: int) -> None:
        calls.append((track_id, user_id))
        done.set()

    core.services.on_stream_start = hook
    try:
        await client.head(f"/api/stream/{song_id}", headers=user_headers)
        assert calls == []  # HEAD is not a play
        for _ in range(3):
            await client.get(f"/api/stream/{song_id}", headers={**user_headers, "Range": "bytes=0-1"})
        await asyncio.wait_for(done.wait(), 5)
        assert len(calls) == 1 and calls[0][0] == song_id

        def broken(ctx, track_id: int, user_id: int) -> None:
            raise RuntimeError("hook bug")

        core.services.on_stream_start = broken
        get_track_cache(core).invalidate([song_id])
        assert (await client.get(f"/api/stream/{song_id}", headers=user_headers)).status_code == 200
    finally:
        core.services.on_stream_start = None


async def test_accel_mode(make_settings, media, make_user, add_track) -> None:
    import httpx

    from sonantica_core.context import open_context
    from sonantica_core.server.web import build_app_for_context

    settings = make_settings(MEDIA_PATH=f"music={media.root}", STREAM_MODE="accel")
    ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        app = build_app_for_context(ctx)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                _, headers = await make_user("nginx-fan")
                track = await add_track("Artist/Album/01 Söng \"one\".flac", path=media.song)
                response = await client.get(f"/api/stream/{track}", headers=headers)
                assert response.status_code == 200 and response.content == b""
                assert response.headers["x-accel-redirect"] == (
                    "/internal-media/music/Artist/Album/01%20S%C3%B6ng%20%22one%22.flac"
                )
                assert response.headers["content-type"] == "audio/flac"
                links = (await client.get(f"/api/tracks/{track}/stream-url", headers=headers)).json()
                url = urlsplit(links["url"])
                assert url.path.startswith("/s/music/Artist/Album/")
                query = parse_qs(url.query)
                nginx_secret = secure_link_secret(ctx.secret_key)
                expected = secure_link_token(
                    '/s/music/Artist/Album/01 Söng "one".flac', int(query["expires"][0]), nginx_secret
                )
                assert query["md5"][0] == expected
                assert secure_link_secret(ctx.secret_key) not in ctx.secret_key
                assert links["api_url"].startswith(f"/api/stream/{track}?")
                missing = await add_track("Artist/nothing.flac")
                assert (await client.get(f"/api/stream/{missing}", headers=headers)).status_code == 404
    finally:
        await ctx.close()


async def test_track_invalidation_reaches_another_process(client, core, settings, user_headers, song_id) -> None:
    import httpx

    from sonantica_core.bus.invalidation import get_bus
    from sonantica_core.context import open_context
    from sonantica_core.server.web import build_app_for_context

    other_ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        other_app = build_app_for_context(other_ctx)
        async with other_app.router.lifespan_context(other_app):
            await asyncio.wait_for(get_bus(other_ctx).subscribed.wait(), 10)
            transport = httpx.ASGITransport(app=other_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as other:
                assert (await other.get(f"/api/stream/{song_id}", headers=user_headers)).status_code == 200
                other_cache = get_track_cache(other_ctx)
                assert other_cache.get(song_id) is not None
                await invalidate_track(core, song_id)  # e.g. from a scan worker
                for _ in range(100):
                    if other_cache.get(song_id) is None:
                        break
                    await asyncio.sleep(0.05)
                assert other_cache.get(song_id) is None
    finally:
        await other_ctx.close()
