"""Two real servers of the same app on 127.0.0.1: one with the fast path in front, one Hypercorn alone.

Both are started by :func:`~sonantica_core.fastpath.server.serve_web` on a socket from
:func:`~sonantica_core.server.webprocesses.hypercorn_config`, exactly as a web process
serves: the settings say ``FAST_PATH=false``, so the one without a door is Hypercorn
alone, and the other gets an explicit :class:`~sonantica_core.fastpath.server.FastDoor`
(as ``tests/streaming/test_fast_path.py`` starts its servers).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from sonantica_core.db.library import Track
from sonantica_core.fastpath.server import FastDoor, serve_web
from sonantica_core.http.responsecache import get_response_cache
from sonantica_core.server.web import build_app_for_context
from sonantica_core.server.webprocesses import hypercorn_config
from sonantica_core.settings import Settings

#: Keep-alive (idle) timeout of both servers in these tests, seconds.
IDLE_TIMEOUT = 3.0


@dataclass(frozen=True)
class Media:
    root: Path
    song: Path
    data: bytes


@pytest.fixture
def media(tmp_path: Path) -> Media:
    """A media root with one short FLAC file."""
    root = tmp_path / "music"
    song = root / "Artist" / "song.flac"
    song.parent.mkdir(parents=True)
    t = np.arange(4_410) / 44_100
    soundfile.write(song, np.sin(2 * np.pi * 440 * t) * 0.3, 44_100, subtype="PCM_16", format="FLAC")
    return Media(root=root, song=song, data=song.read_bytes())


@pytest.fixture
def settings(make_settings: Callable[..., Settings], media: Media) -> Settings:
    return make_settings(MEDIA_PATH=f"music={media.root}", FAST_PATH="false")


@pytest.fixture
async def song_id(core: Any, media: Media) -> int:
    data = media.song.read_bytes()
    async with core.session() as session:
        track = Track(
            root="music",
            relative_path="Artist/song.flac",
            size=len(data),
            mtime_ns=media.song.stat().st_mtime_ns,
            content_hash=f"sha256:{hashlib.sha256(data).hexdigest()}",
            title="song",
            title_folded="song",
            codec="flac",
            container="flac",
        )
        session.add(track)
        await session.flush()
        return track.id


@dataclass
class Server:
    name: str
    address: tuple[str, int]
    door: FastDoor | None
    stop: asyncio.Event
    task: asyncio.Task[None]


@dataclass
class Pair:
    fast: Server
    plain: Server


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


async def _start(core: Any, settings: Settings, *, fast: bool) -> Server:
    app = build_app_for_context(core)
    sock = _listening_socket()
    port = sock.getsockname()[1]
    config = hypercorn_config(settings, sock)
    config.keep_alive_timeout = IDLE_TIMEOUT
    config.graceful_timeout = 2
    door = FastDoor(app, keep_alive_timeout=IDLE_TIMEOUT, max_requests=config.keep_alive_max_requests) if fast else None
    stop = asyncio.Event()
    task = asyncio.create_task(serve_web(app, config, stop.wait, door=door))
    for _ in range(250):  # until it listens
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        break
    else:
        raise RuntimeError("the server did not start")
    return Server("fast path" if fast else "hypercorn", ("127.0.0.1", port), door, stop, task)


@pytest.fixture
async def servers(core: Any, settings: Settings) -> AsyncIterator[Pair]:
    """The same app served twice: with the fast path in front, and by Hypercorn alone."""
    assert settings.fast_path is False  # so serve_web without a door is Hypercorn alone
    # Both servers share one core, so one response cache: its first request reads the library
    # generation, and a second request meanwhile would answer without an ETag. Read it now.
    await get_response_cache(core).refresh(core)
    pair = Pair(fast=await _start(core, settings, fast=True), plain=await _start(core, settings, fast=False))
    try:
        yield pair
    finally:
        for server in (pair.fast, pair.plain):
            server.stop.set()
        for server in (pair.fast, pair.plain):
            await asyncio.wait_for(server.task, 30)
