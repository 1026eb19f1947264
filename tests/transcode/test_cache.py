"""A finished transcode is cached and then answers Range, If-Range and conditionals like an original."""

from __future__ import annotations

import asyncio

from sonantica_core.transcode import get_transcoder


async def _until_idle(core) -> None:
    transcoder = get_transcoder(core)
    for _ in range(200):
        if not transcoder.jobs:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the transcode did not finish")


async def test_cached_transcode_passes_the_range_tests(client, core, user_headers, add_track) -> None:
    track = await add_track("short.flac")
    url = f"/api/stream/{track}?format=opus&bitrate=64"
    first = await client.get(url, headers=user_headers)
    assert first.status_code == 200 and "content-length" not in first.headers  # chunked while it ran
    await _until_idle(core)
    whole = await client.get(url, headers=user_headers)
    data = whole.content
    assert whole.status_code == 200 and data == first.content  # the bytes streamed are the bytes cached
    assert whole.headers["content-length"] == str(len(data))
    assert whole.headers["content-type"] == "audio/ogg" and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["x-content-duration"] == "6.000"
    etag = whole.headers["etag"]
    size = len(data)
    for header, start, end in (
        ("bytes=0-0", 0, 0),
        ("bytes=100-4195", 100, 4195),
        (f"bytes={size - 1000}-", size - 1000, size - 1),
        ("bytes=-512", size - 512, size - 1),
    ):
        part = await client.get(url, headers={**user_headers, "Range": header})
        assert part.status_code == 206, header
        assert part.content == data[start : end + 1]
        assert part.headers["content-range"] == f"bytes {start}-{end}/{size}"
    stale = await client.get(url, headers={**user_headers, "Range": "bytes=10-19", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == data
    assert (await client.get(url, headers={**user_headers, "Range": f"bytes={size}-"})).status_code == 416
    assert (await client.get(url, headers={**user_headers, "If-None-Match": etag})).status_code == 304
    head = await client.head(url, headers=user_headers)
    assert head.status_code == 200 and head.headers["content-length"] == str(size) and head.content == b""
    multi = await client.get(url, headers={**user_headers, "Range": "bytes=0-9,20-29"})
    assert multi.status_code == 206 and multi.headers["content-type"].startswith("multipart/byteranges")


async def test_a_range_inside_a_running_transcode_is_answered_from_it(client, core, user_headers, add_track) -> None:
    track = await add_track("long.flac")
    url = f"/api/stream/{track}?format=mp3"
    part = await client.get(url, headers={**user_headers, "Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["content-range"].startswith("bytes 0-99/")
    await _until_idle(core)
    await client.get(url, headers=user_headers)  # the cache has it now
    again = await client.get(url, headers=user_headers)
    assert again.headers.get("content-length") and again.content[:100] == part.content


async def test_the_cache_keeps_to_its_size_least_recently_used_first(core, tmp_path) -> None:
    cache = get_transcoder(core).cache
    cache.cap_bytes = 2500
    paths = []
    for n, key in enumerate(("aa11", "bb22", "cc33")):
        path = cache.path(key, "opus")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 1000)
        paths.append(path)
        import os

        os.utime(path, ns=(10**18 + n * 10**9, 10**18))
    assert cache.lookup("aa11", "opus") is not None  # used now: the newest
    assert cache.evict() == 1000
    assert [p.exists() for p in paths] == [True, False, True]
