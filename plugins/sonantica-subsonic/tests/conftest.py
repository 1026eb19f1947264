"""A scanned library behind the Subsonic API, a user with an app password and an API key, and a
real HTTP server on 127.0.0.1 for the client libraries (they speak HTTP through ``requests``)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from subsonic_library import FILES

from sonantica_core.testing.audio import AudioSpec, Picture, make_image, write_audio
from sonantica_core.testing.fixtures import quick_password_hash

PASSWORD = "the-login-password"


@pytest.fixture(scope="session")
def library_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("subsonic") / "music"
    cover = Picture(data=make_image((30, 90, 200), (64, 64)), mime="image/png")
    for i, (rel, fmt, tags) in enumerate(FILES):
        spec = AudioSpec(duration=2.0, frequency=330.0 + 55 * i)
        write_audio(root / rel, fmt, spec, tags, pictures=(cover,) if i == 0 else ())
    return root


@dataclass
class Library:
    """The harness, the users' credentials and the live server's address."""

    harness: Any
    username: str
    user_id: int
    app_password: str
    api_key: str
    url: str
    other_username: str
    other_app_password: str

    @property
    def ctx(self) -> Any:
        return self.harness.ctx

    def params(self, **extra: Any) -> dict[str, Any]:
        return {"u": self.username, "p": self.app_password, "v": "1.16.1", "c": "tests", "f": "json", **extra}

    async def call(self, method: str, /, **params: Any) -> dict[str, Any]:
        response = await self.harness.client.get(f"/rest/{method}", params=self.params(**params))
        assert response.status_code == 200, response.text
        return response.json()["subsonic-response"]


async def _user(ctx: Any, name: str, admin: bool = False) -> tuple[int, str, str]:
    from sonantica_core.auth.api_keys import create_api_key
    from sonantica_core.auth.app_passwords import create_app_password
    from sonantica_core.auth.users import create_user

    async with ctx.session() as session:
        user = await create_user(session, name, PASSWORD, admin=admin, password_hash=quick_password_hash(PASSWORD))
        await session.flush()
        _, app_password = await create_app_password(session, ctx.secret_key, user.id, "phone")
        _, api_key = await create_api_key(session, user.id, "desktop")
        return user.id, app_password, api_key


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """``app`` on a real socket on 127.0.0.1, in this event loop."""
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = None
    stop = asyncio.Event()
    task = asyncio.ensure_future(hypercorn_serve(app, config, shutdown_trigger=stop.wait))
    for _ in range(100):
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def library(plugin_app, library_dir: Path) -> AsyncIterator[Library]:
    async with _library(plugin_app, library_dir) as found:
        yield found


@pytest.fixture
async def sonic_library(plugin_app, library_dir: Path) -> AsyncIterator[Library]:
    """The library with the sound-similarity plugin beside the Subsonic one."""
    from sonantica_similarity.plugin import SimilarityPlugin

    async with _library(plugin_app, library_dir, SimilarityPlugin()) as found:
        yield found


@contextlib.asynccontextmanager
async def _library(plugin_app: Any, library_dir: Path, *others: Any) -> AsyncIterator[Library]:
    from sonantica_scanner.plugin import plugin as scanner
    from sonantica_subsonic.plugin import SubsonicPlugin

    from sonantica_core.scanning.scan import run_scan

    async with plugin_app(SubsonicPlugin(), *others, MEDIA_PATH=f"music={library_dir}") as harness:
        await run_scan(harness.ctx, list(scanner.register_scanners(None)), processes=1)
        user_id, app_password, api_key = await _user(harness.ctx, "alice")
        _, other_password, _ = await _user(harness.ctx, "bob")
        async with serve(harness.app) as url:
            yield Library(harness, "alice", user_id, app_password, api_key, url, "bob", other_password)
