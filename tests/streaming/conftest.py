"""Fixtures for the streaming tests: generated media files, an in-process client, a real server."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from streaming_testapp import BIG, BIG_TAIL, DATA, HERE, REPO, build_app, free_port

from sonantica_core import streaming


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
async def client(media_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
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
