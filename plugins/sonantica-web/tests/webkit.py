"""A real Sonántica for the browser tests and the screenshot script.

* :func:`build_library`: a small generated library (real audio with drums and chords,
  tags with accents, covers, FLAC at CD and hi-res rates, Opus, MP3, one long track).
* :class:`FakeLrclib`: a local HTTP server that answers like LRCLIB, with synced lyrics.
* :func:`start_server`: a fresh database, the web server (Hypercorn, as ``sonantica serve``
  runs it) in this process and a task worker (``sonantica worker``) as a subprocess.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Song:
    """One file of the generated library."""

    path: str
    fmt: str
    encoding: str
    rate: int
    seconds: float
    bpm: float
    tonic: int
    progression: str
    tags: dict[str, Any]
    cover: tuple[int, int, int] | None


ALBUM_A = {"album": "Canción de Otoño", "albumartist": "Lúa Ferreira", "artist": "Lúa Ferreira", "date": "2021",
           "genre": "Folk"}
ALBUM_B = {"album": "Night Drive", "albumartist": "The Modulars", "artist": "The Modulars", "date": "2019",
           "genre": "Electronic"}

SONGS: tuple[Song, ...] = (
    Song("Lúa Ferreira/Canción de Otoño/01 Mañana Azul.flac", "flac", "flac", 44100, 24, 96, 9, "minor_i_iv_V_i",
         {**ALBUM_A, "title": "Mañana Azul", "tracknumber": 1}, (190, 60, 40)),
    Song("Lúa Ferreira/Canción de Otoño/02 Corazón de Piedra.flac", "flac", "flac24", 96000, 18, 120, 2,
         "major_I_V_vi_IV",
         {**ALBUM_A, "title": "Corazón de Piedra", "tracknumber": 2}, (190, 60, 40)),
    Song("Lúa Ferreira/Canción de Otoño/03 Camino Largo.flac", "flac", "flac", 44100, 240, 84, 7, "major_I_IV_V_I",
         {**ALBUM_A, "title": "Camino Largo", "tracknumber": 3}, (190, 60, 40)),
    Song("The Modulars/Night Drive/01 Neon Rain.opus", "opus", "opus", 48000, 14, 128, 0, "minor_i_VI_VII_i",
         {**ALBUM_B, "title": "Neon Rain", "tracknumber": 1}, (40, 80, 170)),
    Song("The Modulars/Night Drive/02 Highway Lights.mp3", "mp3", "mp3", 44100, 12, 124, 5, "major_I_vi_IV_V",
         {**ALBUM_B, "title": "Highway Lights", "tracknumber": 2}, (40, 80, 170)),
    Song("The Modulars/Night Drive/03 Short Circuit.flac", "flac", "flac", 44100, 5, 140, 4, "minor_i_iv_v_i",
         {**ALBUM_B, "title": "Short Circuit", "tracknumber": 3}, (40, 80, 170)),
)


def build_library(root: Path) -> Path:
    """Write :data:`SONGS` under ``root`` (once: existing files are kept); returns ``root``."""
    import numpy as np

    from sonantica_core.testing.audio import Picture, make_image, write_tags
    from sonantica_core.testing.signals import song, write_audio

    for item in SONGS:
        target = root / item.path
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        mono = song(item.bpm, item.tonic, item.progression, item.seconds, rate=item.rate, seed=item.tonic)
        stereo = np.stack([mono, 0.85 * mono], axis=1) * 0.8
        written = write_audio(target.with_suffix(""), stereo, item.rate, item.encoding)
        if written != target:
            written.rename(target)
        pictures = [Picture(make_image(item.cover, size=(300, 300)))] if item.cover else []
        write_tags(target, item.fmt, item.tags, pictures)
        folder_cover = target.parent / "cover.jpg"
        if item.cover and not folder_cover.exists():
            folder_cover.write_bytes(make_image(item.cover, size=(400, 400)))
    return root


def synced_lyrics(seconds: float) -> str:
    """LRC lines every two seconds over the song's length."""
    lines = []
    for n, start in enumerate(range(0, int(seconds), 2)):
        lines.append(f"[{start // 60:02d}:{start % 60:02d}.{50 if n == 0 else 0:02d}] Line {n + 1} of the song")
    return "\n".join(lines) + "\n"


@dataclass
class FakeLrclib:
    """Answers ``/api/get`` like LRCLIB, with synced lyrics for any track asked about."""

    url: str = ""
    requests: list[str] = field(default_factory=list)

    @contextlib.contextmanager
    def running(self) -> Iterator[FakeLrclib]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {key: values[0] for key, values in parse_qs(parts.query).items()}
                fake.requests.append(self.path)
                if parts.path == "/api/get":
                    duration = float(params.get("duration") or 0)
                    body: Any = {
                        "id": len(fake.requests), "trackName": params.get("track_name", ""),
                        "artistName": params.get("artist_name", ""), "albumName": params.get("album_name", ""),
                        "duration": duration, "instrumental": False, "plainLyrics": None,
                        "syncedLyrics": synced_lyrics(duration or 30),
                    }
                elif parts.path == "/api/search":
                    body = []
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


async def _admin(admin_url: str, statement: str) -> None:
    import asyncpg

    from sonantica_core.db.engine import async_url

    conn = await asyncpg.connect(async_url(admin_url).replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _database_url(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def plugins_toml(lrclib_url: str | None) -> str:
    """The plugins the server runs: scanner, analyzers, the web player and (with a URL) LRCLIB lyrics."""
    text = "[plugins]\nstrict = true\n\n[plugins.scanner]\norder = 10\n\n[plugins.loudness]\n\n[plugins.tempo]\n\n"
    text += "[plugins.key]\n\n[plugins.waveform]\n\n[plugins.web]\n"
    if lrclib_url:
        text += f'\n[plugins.lrclib]\nbase_url = "{lrclib_url}"\ntimeout = 5\nfetch_on_request = true\n'
    return text


@dataclass
class RunningServer:
    """A served Sonántica: ``url`` is its base (``http://127.0.0.1:PORT``)."""

    url: str
    settings: Any
    database: str
    admin_url: str
    stop: asyncio.Event
    task: asyncio.Task[None]
    ctx: Any
    worker: subprocess.Popen[bytes] | None
    log: Path

    @property
    def page(self) -> str:
        return self.url + "/plugins/web/"

    async def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, 30)
        await self.ctx.close()
        if self.worker is not None:
            self.worker.terminate()
            try:
                self.worker.wait(20)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()
        with contextlib.suppress(Exception):
            await _admin(self.admin_url, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


async def start_server(
    *, admin_url: str, template: str, redis_url: str, base: Path, media: Path | None, lrclib_url: str | None,
    worker: bool,
) -> RunningServer:
    """A fresh database from ``template`` and a server on it (and a worker when ``worker``)."""
    from sonantica_core.db.migrate import upgrade_async
    from sonantica_core.fastpath.server import serve_web
    from sonantica_core.plugins import load_plugins
    from sonantica_core.plugins.lineages import plugin_lineages
    from sonantica_core.server.web import build_web_app
    from sonantica_core.server.webprocesses import hypercorn_config
    from sonantica_core.settings import load_settings

    name = f"sonantica_web_{uuid.uuid4().hex[:10]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    database_url = _database_url(admin_url, name)
    base.mkdir(parents=True, exist_ok=True)
    (base / "plugins.toml").write_text(plugins_toml(lrclib_url))
    env = {
        "DATA_DIR": str(base / "data"), "POSTGRES_URL": database_url, "REDIS_URL": redis_url,
        "SECRET_KEY": "web-test-secret-" + "x" * 40, "PLUGINS_FILE": str(base / "plugins.toml"),
        "LOG_LEVEL": "WARNING", "WATCH": "false", "MEDIA_PATH": f"music={media}" if media else "",
    }
    settings = load_settings(environ=env)
    await upgrade_async(database_url, plugin_lineages(load_plugins(settings, process="cli")))
    log = base / "worker.log"
    process = None
    if worker:
        with log.open("wb") as out:
            process = subprocess.Popen(  # the real worker, as `sonantica worker` runs it
                [sys.executable, "-m", "sonantica_core", "worker"],
                env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, cwd=base,
            )
    app, ctx = await build_web_app(settings, database_url, redis_url, settings.secret_key)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = hypercorn_config(settings, sock)
    config.graceful_timeout = 2
    stop = asyncio.Event()
    task = asyncio.create_task(serve_web(app, config, stop.wait))
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/healthz")).status_code == 200:
                    break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("the server did not start")
    return RunningServer(url, settings, name, admin_url, stop, task, ctx, process, log)


async def sign_in(url: str, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of a fresh sign-in."""
    async with httpx.AsyncClient(base_url=url) as client:
        answer = await client.post("/api/auth/login", json={"username": username, "password": password})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def scan_and_analyse(
    server: RunningServer, headers: dict[str, str], *, timeout: float = 300
) -> list[dict[str, Any]]:
    """Scan the library through the API (the worker runs it) and wait until every track is analysed."""
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as client:
        started = await client.post("/api/admin/scans", json={})
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        deadline = time.monotonic() + timeout
        while (await client.get(f"/api/admin/scans/{run_id}")).json()["status"] not in ("done", "failed"):
            if time.monotonic() > deadline or (server.worker is not None and server.worker.poll() is not None):
                raise RuntimeError(f"the scan did not finish; worker log:\n{server.log.read_text()[-3000:]}")
            await asyncio.sleep(0.3)
        tracks = (await client.get("/api/library/tracks?limit=500")).json()["items"]
        assert len(tracks) == len(SONGS), [t["title"] for t in tracks]
        for track in tracks:
            while True:
                info = (await client.get(f"/api/tracks/{track['id']}/analysis")).json()
                if not info["pending"]:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"analysis did not finish: {info}\n{server.log.read_text()[-3000:]}")
                await asyncio.sleep(0.5)
        return (await client.get("/api/library/tracks?limit=500")).json()["items"]
