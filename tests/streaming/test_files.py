"""ETags, content types, files past 4 GiB, the read paths, the descriptor cache, disconnects."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from streaming_testapp import BIG, BIG_TAIL, REPO

from sonantica_core import streaming
from sonantica_core.streaming import FdCache, FileChangedError, content_type_for, make_etag, stat_file
from sonantica_core.streaming import reader as reader_module

# --------------------------------------------------------------------------- ETag


def test_etag_is_strong_and_derived_from_size_and_mtime() -> None:
    tag = make_etag(10, 20)
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert tag == make_etag(10, 20)
    assert tag != make_etag(11, 20)
    assert tag != make_etag(10, 21)


def test_etag_with_content_hash_ignores_mtime() -> None:
    assert make_etag(10, 1, "abc") == make_etag(10, 2, "abc")
    assert make_etag(10, 1, "abc") != make_etag(10, 1, "abd")
    assert make_etag(10, 1, b"\x01") != make_etag(10, 1, None)


def test_etag_does_not_depend_on_inode_or_path(media_dir: Path) -> None:
    src = media_dir / "track.flac"
    copy = media_dir / "copy-for-etag.flac"
    shutil.copyfile(src, copy)
    st = os.stat(src)
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns))
    a, b = stat_file(src), stat_file(copy)
    assert a.ino != b.ino
    assert make_etag(a.size, a.mtime_ns) == make_etag(b.size, b.mtime_ns)


def _etag_in_subprocess(path: Path, seed: str) -> str:
    code = (
        "import sys; from sonantica_core.streaming import make_etag, stat_file;"
        "st = stat_file(sys.argv[1]); print(make_etag(st.size, st.mtime_ns))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.slow
def test_etag_identical_across_processes(media_dir: Path, hypercorn_url: str) -> None:
    path = media_dir / "track.flac"
    one, two = _etag_in_subprocess(path, "1"), _etag_in_subprocess(path, "2")
    assert one == two
    served = httpx.head(f"{hypercorn_url}/fast/track.flac").headers["etag"]
    assert served == one


async def test_etag_and_bytes_change_when_the_file_changes(
    streaming_client: httpx.AsyncClient, media_dir: Path
) -> None:
    path = media_dir / "rewritten.flac"
    path.write_bytes(b"A" * 100)
    os.utime(path, ns=(10**18, 10**18))
    first = await streaming_client.get("/fast/rewritten.flac")
    assert first.content == b"A" * 100
    path.write_bytes(b"B" * 100)  # same size, in place
    os.utime(path, ns=(10**18 + 1, 10**18 + 1))
    second = await streaming_client.get("/fast/rewritten.flac")
    assert second.content == b"B" * 100
    assert second.headers["etag"] != first.headers["etag"]


async def test_replaced_file_is_reopened_even_with_same_size_and_mtime(
    streaming_client: httpx.AsyncClient, media_dir: Path
) -> None:
    """Rename over the path with identical size and mtime: the cached descriptor is not reused."""
    path = media_dir / "replaced.flac"
    path.write_bytes(b"C" * 50)
    os.utime(path, ns=(10**18, 10**18))
    assert (await streaming_client.get("/fast/replaced.flac")).content == b"C" * 50
    tmp = media_dir / "replaced.tmp"
    tmp.write_bytes(b"D" * 50)
    os.utime(tmp, ns=(10**18, 10**18))
    os.replace(tmp, path)
    assert (await streaming_client.get("/fast/replaced.flac")).content == b"D" * 50


# --------------------------------------------------------------------------- content types

TYPES = {
    "a.flac": "audio/flac",
    "a.FLAC": "audio/flac",
    "a.mp3": "audio/mpeg",
    "a.m4a": "audio/mp4",
    "a.alac": "audio/mp4",
    "a.aac": "audio/aac",
    "a.ogg": "audio/ogg",
    "a.oga": "audio/ogg",
    "a.opus": "audio/ogg",
    "a.wav": "audio/wav",
    "a.aif": "audio/aiff",
    "a.aiff": "audio/aiff",
    "a.wv": "audio/x-wavpack",
    "a.ape": "audio/x-ape",
    "a.dsf": "audio/x-dsf",
    "a.dff": "audio/x-dff",
    "a.mka": "audio/x-matroska",
    "a.webm": "audio/webm",
    "a.wma": "audio/x-ms-wma",
    "a.bin": "application/octet-stream",
    "noext": "application/octet-stream",
}


@pytest.mark.parametrize(("name", "ctype"), TYPES.items())
def test_content_types(name: str, ctype: str) -> None:
    assert content_type_for(name) == ctype
    assert content_type_for(Path("/x") / name) == ctype


@pytest.mark.parametrize("ext", ["opus", "mp3", "wv", "dsf"])
async def test_served_content_type(streaming_client: httpx.AsyncClient, media_dir: Path, ext: str) -> None:
    (media_dir / f"typed.{ext}").write_bytes(b"x" * 10)
    r = await streaming_client.get(f"/fast/typed.{ext}", headers={"Range": "bytes=0-1"})
    assert r.headers["content-type"] == TYPES[f"a.{ext}"]
    r = await streaming_client.get(f"/fast/typed.{ext}", headers={"Range": "bytes=0-1,3-4"})
    assert f"Content-Type: {TYPES['a.' + ext]}\r\n".encode() in r.content


# --------------------------------------------------------------------------- past 4 GiB


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        (f"bytes={BIG - 4096}-", BIG - 4096, BIG - 1),
        ("bytes=-100", BIG - 100, BIG - 1),
        (f"bytes={BIG - 10}-{BIG + 10}", BIG - 10, BIG - 1),
        (f"bytes={2**32 - 5}-{2**32 + 4}", 2**32 - 5, 2**32 + 4),
        (f"bytes={2**31 - 1}-{2**31}", 2**31 - 1, 2**31),
    ],
)
async def test_sparse_file_over_4_gib(streaming_client: httpx.AsyncClient, header: str, start: int, end: int) -> None:
    def expected(a: int, b: int) -> bytes:
        tail_at = BIG - len(BIG_TAIL)
        return bytes(max(0, min(b + 1, tail_at) - a)) + BIG_TAIL[max(0, a - tail_at) : b + 1 - tail_at]

    r = await streaming_client.get("/fast/big.flac", headers={"Range": header})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes {start}-{end}/{BIG}"
    assert r.content == expected(start, end)


async def test_sparse_file_multipart_and_head(streaming_client: httpx.AsyncClient) -> None:
    r = await streaming_client.get("/fast/big.flac", headers={"Range": f"bytes=0-1,{BIG - 2}-"})
    assert r.status_code == 206
    assert f"Content-Range: bytes {BIG - 2}-{BIG - 1}/{BIG}\r\n\r\n".encode() + BIG_TAIL[-2:] in r.content
    assert int(r.headers["content-length"]) == len(r.content)
    head = await streaming_client.head("/fast/big.flac")
    assert head.headers["content-length"] == str(BIG)
    r = await streaming_client.get("/fast/big.flac", headers={"Range": f"bytes={BIG}-"})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{BIG}"


# --------------------------------------------------------------------------- read paths


def _evict(path: Path) -> bool:
    """Drop the file from the page cache; True when a non-blocking read then fails."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        if not hasattr(os, "RWF_NOWAIT"):
            return False
        try:
            os.preadv(fd, [bytearray(4096)], 0, os.RWF_NOWAIT)
        except BlockingIOError:
            return True
        return False
    finally:
        os.close(fd)


async def test_uncached_reads_go_to_a_thread_and_are_exact(
    streaming_client: httpx.AsyncClient, media_dir: Path
) -> None:
    path = media_dir / "long.flac"
    data = path.read_bytes()
    evicted = _evict(path)
    before = streaming.read_stats.thread_reads
    r = await streaming_client.get("/fast/long.flac", headers={"Range": "bytes=1000-70000"})
    assert r.content == data[1000:70001]
    if evicted:
        assert streaming.read_stats.thread_reads > before
    before = streaming.read_stats.nowait_reads
    r = await streaming_client.get("/fast/long.flac", headers={"Range": "bytes=1000-70000"})
    assert r.content == data[1000:70001]
    assert streaming.read_stats.nowait_reads > before or not hasattr(os, "RWF_NOWAIT")


async def test_reads_without_rwf_nowait(
    streaming_client: httpx.AsyncClient, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_module, "_RWF_NOWAIT", None)
    data = (media_dir / "long.flac").read_bytes()
    r = await streaming_client.get("/fast/long.flac")
    assert r.content == data
    r = await streaming_client.get("/fast/long.flac", headers={"Range": "bytes=5-9,-3"})
    assert r.status_code == 206 and data[5:10] in r.content and data[-3:] in r.content


@pytest.mark.parametrize("chunk", [7, 64, 1000, 65536])
async def test_chunked_bodies_are_exact(media_dir: Path, chunk: int) -> None:
    """Whole files, single and multiple ranges streamed in many small messages."""
    path = str(media_dir / "track.flac")
    data = (media_dir / "track.flac").read_bytes()
    for header, expect in [
        (None, data),
        ("bytes=3-5000", data[3:5001]),
    ]:
        body = await _run(path, header, chunk)
        assert body == expect
    body = await _run(path, "bytes=0-2,100-9000,-3", chunk)
    assert data[100:9001] in body and body.endswith(b"--\r\n")


async def _run(path: str, range_header: str | None, chunk: int, cache: FdCache | None = None) -> bytes:
    headers = [(b"range", range_header.encode())] if range_header else []
    scope = {"type": "http", "method": "GET", "headers": headers, "path": "/"}
    out: list[bytes] = []
    done = asyncio.Event()

    async def receive() -> dict[str, object]:
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body":
            out.append(message["body"])  # type: ignore[arg-type]
            if not message.get("more_body"):
                done.set()

    await streaming.send_file(scope, receive, send, path=path, stat=stat_file(path), chunk_size=chunk, cache=cache)
    return b"".join(out)


# --------------------------------------------------------------------------- descriptor cache


def test_fd_cache_reuses_validates_and_evicts(media_dir: Path) -> None:
    cache = FdCache(max_open=2)
    paths = [str(media_dir / n) for n in ("track.flac", "long.flac", "a b é.flac")]
    stats = [stat_file(p) for p in paths]
    e0 = cache.acquire(paths[0], stats[0])
    cache.release(e0)
    assert cache.acquire(paths[0], stats[0]) is e0
    cache.release(e0)
    assert cache.opened == 1
    held = cache.acquire(paths[1], stats[1])
    cache.acquire(paths[2], stats[2])  # evicts paths[0], which nobody holds: closed now
    assert e0.fd == -1
    assert len(cache) == 2
    cache.invalidate()
    assert len(cache) == 0
    assert held.fd >= 0  # still in use: closed only on release
    os.fstat(held.fd)
    cache.release(held)
    assert held.fd == -1
    with pytest.raises(FileChangedError):
        cache.acquire(paths[0], streaming.FileStat(stats[0].size + 1, stats[0].mtime_ns, stats[0].ino, stats[0].dev))
    assert len(cache) == 0


def test_fd_cache_invalidate_prefix(media_dir: Path) -> None:
    cache = FdCache()
    p = str(media_dir / "track.flac")
    cache.release(cache.acquire(p, stat_file(p)))
    assert cache.invalidate("/elsewhere", prefix=True) == 0
    assert cache.invalidate(str(media_dir), prefix=True) == 1
    assert streaming.invalidate("/not/cached") == 0


async def test_disconnect_mid_stream_stops_reading_and_releases(media_dir: Path) -> None:
    """A client that goes away after the first chunk: the sender stops and gives the fd back."""
    path = str(media_dir / "long.flac")
    cache = FdCache()
    scope = {"type": "http", "method": "GET", "headers": [], "path": "/"}
    gone = asyncio.Event()
    chunks: list[bytes] = []

    async def receive() -> dict[str, object]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message["body"])  # type: ignore[arg-type]
            gone.set()
            await asyncio.sleep(0)  # let the watcher see the disconnect

    await asyncio.wait_for(
        streaming.send_file(scope, receive, send, path=path, stat=stat_file(path), chunk_size=4096, cache=cache), 30
    )
    assert 1 <= len(chunks) < 10  # the 3 MiB file was not read through
    (entry,) = cache._entries.values()
    assert entry.refs == 0
    cache.close()
    assert entry.fd == -1


async def test_send_raising_oserror_counts_as_disconnect(media_dir: Path) -> None:
    """ASGI 2.4 servers raise OSError from send() once the client is gone."""
    path = str(media_dir / "long.flac")
    cache = FdCache()
    scope = {"type": "http", "method": "GET", "headers": [], "path": "/"}
    sent = 0

    async def receive() -> dict[str, object]:
        await asyncio.Event().wait()
        return {}

    async def send(message: dict[str, object]) -> None:
        nonlocal sent
        if message["type"] == "http.response.body":
            sent += 1
            if sent == 2:
                raise OSError("client disconnected")

    await streaming.send_file(scope, receive, send, path=path, stat=stat_file(path), chunk_size=4096, cache=cache)
    assert sent == 2
    assert next(iter(cache._entries.values())).refs == 0


async def test_truncated_file_raises(media_dir: Path) -> None:
    path = media_dir / "shrinks.flac"
    path.write_bytes(b"x" * 100_000)
    st = stat_file(path)
    cache = FdCache()
    entry = cache.acquire(str(path), st)
    cache.release(entry)
    os.truncate(path, 10)  # same inode, now shorter than the stat we pass
    with pytest.raises(streaming.TruncatedFileError):
        await _run_with_stat(str(path), st, cache)


async def _run_with_stat(path: str, st: streaming.FileStat, cache: FdCache) -> None:
    async def receive() -> dict[str, object]:
        await asyncio.Event().wait()
        return {}

    async def send(message: dict[str, object]) -> None:
        pass

    scope = {"type": "http", "method": "GET", "headers": [], "path": "/"}
    await streaming.send_file(scope, receive, send, path=path, stat=st, chunk_size=4096, cache=cache)
