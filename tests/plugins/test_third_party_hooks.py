"""Each hook kind, implemented by a third-party plugin pip-installed from a temporary folder, is
called by the core in the place docs/plugins.md says ("Runs in: ...").

One distribution (``third_party/probe_plugin.py.txt``) implements a scanner, an analyzer, a
metadata provider, a lyrics provider, a stem separator, a recommender, routes, owned routes, a
command, the life-cycle hooks and every event hook; each call leaves a row in the
plugin's own table with the process it ran in. The scenario runs the way a deployment does: the
plugin is installed with pip and enabled in a ``plugins.toml``, ``sonantica migrate`` creates its
table, a real ``sonantica worker`` runs the scan and the analysis, the web app is built the normal
way, and the command runs through ``sonantica``.
"""

from __future__ import annotations

import asyncio
import os
import string
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile
from third_party_dist import installed

from sonantica_core.context import open_context
from sonantica_core.server.web import build_app_for_context
from sonantica_core.settings import SETTINGS, Settings, load_settings

pytestmark = pytest.mark.slow

SOURCES = Path(__file__).parent / "third_party"


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = f"hooks_{uuid.uuid4().hex[:8]}"
    values = {"name": name, "module": f"sonantica_{name}"}
    plugin = string.Template((SOURCES / "probe_plugin.py.txt").read_text()).substitute(values)
    migration = string.Template((SOURCES / "probe_migration.py.txt").read_text()).substitute(values)
    with installed(tmp_path_factory.mktemp("dist"), name, plugin, {f"{name}_0001.py": migration}):
        yield name


@pytest.fixture
def environment(probe: str, settings: Settings, tmp_path: Path) -> dict[str, str]:
    music = tmp_path / "music"
    music.mkdir()
    rate = 22050
    for n, amplitude in enumerate((0.5, 0.25), start=1):
        tone = amplitude * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
        soundfile.write(music / f"tone {n}.wav", tone.astype(np.float32), rate, subtype="PCM_16")
    plugins_file = tmp_path / "plugins.toml"
    plugins_file.write_text(f'[plugins.{probe}]\nlabel = "the probe"\n')  # only the probe: no bundled scanner
    env = {key: value for key, value in os.environ.items() if key not in {spec.env for spec in SETTINGS}}
    assert settings.postgres_url and settings.redis_url and settings.secret_key
    env.update(
        POSTGRES_URL=settings.postgres_url, REDIS_URL=settings.redis_url, SECRET_KEY=settings.secret_key,
        DATA_DIR=str(tmp_path / "data"), PLUGINS_FILE=str(plugins_file), MEDIA_PATH=f"music={music}",
        LOG_LEVEL="INFO", TASK_REDELIVERY_SECONDS="30", COLUMNS="250",
    )
    return env


def sonantica(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sonantica_core", *args], env=env, capture_output=True, text=True,
                          timeout=180)


async def _until(probe_call: Any, timeout: float = 90.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe_call()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.2)


async def test_the_core_calls_every_hook_of_an_installed_plugin_where_the_docs_say(
    probe: str, environment: dict[str, str], admin_headers: dict[str, str], tmp_path: Path
) -> None:
    env = environment
    migrated = await asyncio.to_thread(sonantica, env, "migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    command = await asyncio.to_thread(sonantica, env, probe, "hello", "world")  # register_commands: the CLI
    assert command.returncode == 0, command.stdout + command.stderr
    assert "hello from the probe world" in command.stdout

    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "sonantica_core", "worker"], env=env, stdout=worker_log,
                              stderr=subprocess.STDOUT, cwd=tmp_path)
    ctx = await open_context(load_settings(environ=env), secret_key=env["SECRET_KEY"],
                             postgres_url=env["POSTGRES_URL"], redis_url=env["REDIS_URL"])
    try:
        app = build_app_for_context(ctx)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=admin_headers) as client:

                async def calls() -> list[list[str]]:
                    return (await client.get(f"/plugins/{probe}/calls")).json()  # register_routes: web

                async def analysed() -> list[list[str]]:
                    return [c for c in await calls() if c[0] == "on_analysis_ready"]

                assert (await client.post("/api/admin/scans", json={})).status_code == 202
                tracks: list[dict[str, Any]] = []

                async def scanned() -> list[dict[str, Any]]:
                    nonlocal tracks
                    tracks = (await client.get("/api/library/tracks")).json()["items"]
                    return tracks if len(tracks) == 2 else []

                assert await _until(scanned), (tmp_path / "worker.log").read_text()
                # register_scanners: the scan task read both files with the plugin's scanner
                assert sorted(t["title"] for t in tracks) == [f"read by {probe}: tone 1", f"read by {probe}: tone 2"]
                ready = await _until(lambda: _both(analysed))
                assert ready, (tmp_path / "worker.log").read_text()
                assert {tuple(c[1:]) for c in ready} == {("worker", f"{probe}-peak")}  # on_analysis_ready: worker
                # register_analyzers: the analysis task ran the plugin's analyzer on the decoded audio
                peaks = set()
                for track in tracks:
                    analysis = (await client.get(f"/api/tracks/{track['id']}/analysis")).json()
                    peaks |= {e["value"] for e in analysis["extras"]
                              if e["key"] == "peak" and e["source"] == f"{probe}-peak"}
                assert peaks == {"0.500", "0.250"}

                first = tracks[0]["id"]
                # register_recommenders: asked for similar tracks (web), merged by the core
                similar = (await client.get(f"/api/tracks/{first}/similar")).json()["tracks"]
                assert [t["track"]["id"] for t in similar] == [tracks[1]["id"]]
                assert similar[0]["why"] == ["the probe says so"]
                # register_lyrics_providers: a local provider in the lyrics chain (web)
                lyrics = (await client.get(f"/api/tracks/{first}/lyrics")).json()
                assert (lyrics["provider"], lyrics["plain"]) == (f"{probe}-chants", f"la la {tracks[0]['title']}")

                # register_metadata_providers: the enrichment the scan queued, in the worker
                async def enriched() -> list[Any]:
                    found = (await client.get(f"/api/tracks/{first}/metadata")).json()
                    return [v for v in found["track"] if v["key"] == "probe_mood"]

                assert await _until(enriched) == [{"key": "probe_mood", "value": "calm", "source": f"{probe}-moods"}]
                # register_stem_separators: a separation asked for, run by the worker
                asked = await client.post(f"/api/tracks/{first}/stems", json={"separator": f"{probe}-split"})
                assert asked.status_code == 202, asked.text

                async def separated() -> list[Any]:
                    listed = (await client.get(f"/api/tracks/{first}/stems")).json()["separations"]
                    return [s for s in listed if s["state"] == "ready"]

                [ready_stems] = await _until(separated)
                assert sorted(stem["name"] for stem in ready_stems["stems"]) == ["left", "right"]
                left = await client.get(ready_stems["stems"][0]["url"], headers={"Range": "bytes=0-3"})
                assert left.status_code == 206 and left.content == b"fLaC"

                session = uuid.uuid4().hex
                play = {"track_id": tracks[0]["id"], "session": session}
                assert (await client.post("/api/plays", json={**play, "event": "start"})).status_code == 201
                ended = await client.post("/api/plays", json={**play, "event": "end", "listened": 1.0,
                                                              "completed": True})
                assert ended.status_code == 200, ended.text
                owned = await client.get(f"/{probe}-owned/here")  # register_owned_routes: web
                assert owned.text == f"owned by {probe}"
                seen = await calls()
        worker.terminate()
        worker.wait(30)
        after = (await _shutdowns(ctx, probe))
    finally:
        if worker.poll() is None:
            worker.kill()
        worker_log.close()
        await ctx.close()
    kinds = {(hook, process) for hook, process, _ in seen}
    assert {("startup", "cli"), ("startup", "worker"), ("startup", "web")} <= kinds  # startup: every process
    assert ("on_tracks_changed", "worker") in kinds  # after the scan, in the worker
    assert next(c for c in seen if c[0] == "on_tracks_changed")[2] == "2"
    assert ("on_play_started", "web", str(tracks[0]["id"])) in {tuple(c) for c in seen}  # plays: web
    assert ("on_play_recorded", "web", str(tracks[0]["id"])) in {tuple(c) for c in seen}
    assert {"cli", "web", "worker"} <= after  # shutdown: every process that started it


async def _both(analysed: Any) -> list[list[str]]:
    found = await analysed()
    return found if len(found) >= 2 else []


async def _shutdowns(ctx: Any, probe: str) -> set[str]:
    from sqlalchemy import text

    async with ctx.session() as session:
        rows = await session.execute(text(f"SELECT process FROM {probe}_calls WHERE hook = 'shutdown'"))
        return set(rows.scalars())
