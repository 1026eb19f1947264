"""Fixtures for the streaming tests.

For the streaming library: generated media files, an in-process client of a bare streaming app,
a real Hypercorn. For the stream route of the core: a media root with a generated FLAC file, a
secret outside it, and tracks in the database pointing wherever a test wants.
"""

from __future__ import annotations

import hashlib
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from streaming_testapp import BIG, BIG_TAIL, DATA, HERE, REPO, build_app, free_port

from sonantica_core import streaming
from sonantica_core.db.library import Track
from sonantica_core.settings import Settings


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("media")
    (d / "track.flac").write_bytes(DATA)
    (d / "empty.flac").write_bytes(b"")
    (d / "long.flac").write_bytes(random.Random(6).randbytes(3 * 1024 * 1024 + 17))
    (d / "a b é.flac").write_bytes(DATA)
    with open(d / "big.flac", "wb") as f:
        f.truncate(BIG)
        f.seek(BIG - len(BIG_TAIL))
        f.write(BIG_TAIL)
    return d


@pytest.fixture
def app_factory(media_dir: Path):
    return lambda **kw: build_app(str(media_dir), **kw)


@pytest.fixture
async def streaming_client(media_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    streaming.invalidate()
    transport = httpx.ASGITransport(app=build_app(str(media_dir)))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Wait until something listens on ``port`` (or fail if ``proc`` died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture(scope="session")
def hypercorn_url(media_dir: Path) -> Iterator[str]:
    """A real Hypercorn serving the test app on 127.0.0.1."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, str(HERE / "streaming_testapp.py"), str(port), str(media_dir)], env=env)
    try:
        wait_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


#: What the file outside the media root holds; no response may ever contain it.
SECRET = b"SONANTICA-SECRET-OUTSIDE-THE-ROOT-7f3a9c"
SONG = "Artist/Album/01 Söng \"one\".flac"


@dataclass(frozen=True)
class Media:
    root: Path
    song: Path
    secret: Path
    data: bytes


@pytest.fixture
def media(tmp_path: Path) -> Media:
    root = tmp_path / "music"
    song = root / SONG
    song.parent.mkdir(parents=True)
    t = np.arange(44_100 * 2) / 44_100
    left, right = np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)
    soundfile.write(song, np.stack([left, right], axis=1) * 0.3, 44_100, subtype="PCM_16", format="FLAC")
    secret_dir = tmp_path / "private"
    secret_dir.mkdir()
    secret = secret_dir / "secret.flac"
    secret.write_bytes(SECRET * 50)
    (tmp_path / "passwd").write_bytes(SECRET)
    # symbolic links: one out of the root, one inside, loops, a folder pointing out
    os.symlink(secret, root / "escape.flac")
    os.symlink(secret_dir, root / "escape-dir")
    os.symlink(song, root / "inside.flac")
    os.symlink(root / "loop-b", root / "loop-a")
    os.symlink(root / "loop-a", root / "loop-b")
    os.symlink("self", root / "self")
    os.symlink("../private/secret.flac", root / "Artist" / "relative-escape.flac")
    return Media(root=root, song=song, secret=secret, data=song.read_bytes())


@pytest.fixture
def settings(make_settings: Callable[..., Settings], media: Media) -> Settings:
    return make_settings(MEDIA_PATH=f"music={media.root}")


@pytest.fixture
def add_track(core: Any) -> Callable[..., Any]:
    """``await add_track(relative_path, root="music", removed=False)`` → the new track's id."""
    counter = iter(range(1, 1_000_000))

    async def add(relative_path: str, *, root: str = "music", removed: bool = False, path: Path | None = None) -> int:
        n = next(counter)
        size, mtime, digest = 0, 0, hashlib.sha256(relative_path.encode("utf-8", "surrogateescape")).hexdigest()
        if path is not None and path.is_file():
            data = path.read_bytes()
            size, mtime, digest = len(data), path.stat().st_mtime_ns, hashlib.sha256(data).hexdigest()
        async with core.session() as session:
            track = Track(
                root=root,
                relative_path=relative_path,
                size=size,
                mtime_ns=mtime,
                content_hash=f"sha256:{digest}",
                title=f"track {n}",
                title_folded=f"track {n}",
                codec="flac",
                container="flac",
            )
            if removed:
                import datetime as dt

                track.removed_at = dt.datetime.now(dt.UTC)
            session.add(track)
            await session.flush()
            return track.id

    return add


@pytest.fixture
async def song_id(add_track: Callable[..., Any], media: Media) -> int:
    return await add_track(SONG, path=media.song)
