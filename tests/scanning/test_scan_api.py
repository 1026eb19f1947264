"""Scans over HTTP (admin), the event filter of /api/events, the folder watcher, `sonantica scan`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from sonantica_core.auth.principal import Principal
from sonantica_core.db.library import ScanRun
from sonantica_core.http.routes.events import format_event, visible_to
from sonantica_core.settings import SETTINGS
from sonantica_core.testing.audio import AudioSpec, write_audio


def _library(root: Path) -> None:
    write_audio(
        root / "Artist" / "Album" / "01 Song.flac",
        "flac",
        AudioSpec(duration=0.3),
        tags={"title": "Song", "artist": "Artist", "album": "Album"},
    )
    (root / "Bad").mkdir()
    (root / "Bad" / "empty.flac").write_bytes(b"")


async def test_admin_starts_a_scan_and_reads_its_outcome(plugin_app, tmp_path: Path) -> None:
    from sonantica_scanner.plugin import ScannerPlugin

    from sonantica_core.scanning.tasks import scan_library

    root = tmp_path / "music"
    (root / "Artist" / "Album").mkdir(parents=True)
    _library(root)
    async with plugin_app(ScannerPlugin(), MEDIA_PATH=f"music={root}") as core:
        started = await core.client.post("/api/admin/scans")
        assert started.status_code == 202
        run = started.json()
        assert run["status"] == "queued" and started.headers["location"] == f"/api/admin/scans/{run['id']}"
        assert await core.ctx.redis.xlen("sonantica:tasks:low") == 1

        await core.run_task(scan_library, run["id"])
        done = (await core.client.get(f"/api/admin/scans/{run['id']}")).json()
        assert (done["status"], done["files_seen"], done["added"], done["problems"]) == ("done", 2, 1, 1)
        listed = (await core.client.get("/api/admin/scans")).json()["items"]
        assert [item["id"] for item in listed] == [run["id"]]

        problems = (await core.client.get("/api/admin/scan-problems")).json()
        assert problems["total"] == 1
        (problem,) = problems["items"]
        assert (problem["root"], problem["path"], problem["kind"]) == ("music", "Bad/empty.flac", "empty")
        assert (await core.client.get("/api/admin/scan-problems?kind=corrupt")).json()["total"] == 0


async def test_bad_scan_requests_get_clear_errors(plugin_app, tmp_path: Path) -> None:
    root = tmp_path / "music"
    root.mkdir()
    async with plugin_app(MEDIA_PATH=f"music={root}") as core:
        unknown = await core.client.post("/api/admin/scans", json={"roots": ["nope"]})
        assert unknown.status_code == 422 and "unknown media roots: nope" in unknown.json()["error"]["message"]
        wrong_type = await core.client.post("/api/admin/scans", json={"roots": "music"})
        assert wrong_type.status_code == 422
        not_json = await core.client.post(
            "/api/admin/scans", content=b"{", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "invalid_json"
        assert (await core.client.get("/api/admin/scan-problems?kind=bogus")).status_code == 400
        assert (await core.client.get("/api/admin/scan-problems?limit=-1")).status_code == 400
        assert (await core.client.get("/api/admin/scans/abc")).status_code == 404
        assert (await core.client.get("/api/admin/scans/999")).status_code == 404
        async with core.ctx.session() as session:
            assert (await session.execute(select(ScanRun))).first() is None  # nothing was queued


def test_events_are_filtered_per_user() -> None:
    admin, alice, bob = Principal(1, "admin", "token"), Principal(2, "user", "token"), Principal(3, "user", "token")
    scan = {"type": "scan.progress", "files_read": 3}
    play = {"type": "play.recorded", "track_id": 7, "user_id": 2}
    ready = {"type": "analysis.ready", "track_id": 7}
    assert [visible_to(scan, u) for u in (admin, alice, bob)] == [True, False, False]
    assert [visible_to(play, u) for u in (admin, alice, bob)] == [False, True, False]
    assert [visible_to(ready, u) for u in (admin, alice, bob)] == [True, True, True]
    assert format_event(ready) == b'event: analysis.ready\ndata: {"type":"analysis.ready","track_id":7}\n\n'


async def test_watcher_queues_a_scan_when_files_change(plugin_app, tmp_path: Path) -> None:
    from sonantica_core.scanning.watch import watch_roots

    root = tmp_path / "music"
    root.mkdir()
    async with plugin_app(MEDIA_PATH=f"music={root}") as core:
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch_roots(core.ctx, stop, debounce_ms=200))
        try:
            await asyncio.sleep(1.0)  # watching has started
            (root / ".hidden").mkdir()
            (root / ".DS_Store").write_bytes(b"x")  # hidden files do not count...
            await asyncio.sleep(1.0)
            async with core.ctx.session() as session:
                assert (await session.execute(select(ScanRun))).first() is None
            write_audio(root / "new.flac", "flac", AudioSpec(duration=0.2))  # ...new music does
            for _ in range(100):
                async with core.ctx.session() as session:
                    runs = (await session.execute(select(ScanRun))).scalars().all()
                if runs:
                    break
                await asyncio.sleep(0.1)
            assert len(runs) >= 1 and runs[0].status == "queued"
        finally:
            stop.set()
            await asyncio.wait_for(watcher, 10)


def test_scan_command_reads_the_folder_and_lists_problems(database_url: str, redis_url: str, tmp_path: Path) -> None:
    root = tmp_path / "music"
    (root / "Artist" / "Album").mkdir(parents=True)
    _library(root)
    plugins = tmp_path / "plugins.toml"
    plugins.write_text("[plugins.scanner]\n")
    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env.update(
        POSTGRES_URL=database_url,
        REDIS_URL=redis_url,
        DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY="k" * 40,
        PLUGINS_FILE=str(plugins),
        MEDIA_PATH=f"music={root}",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sonantica_core", "scan", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert "2 files: 1 added, 0 changed, 0 moved, 0 removed, 1 problems" in first.stdout
    again = run()
    assert "2 files: 0 added, 0 changed, 0 moved, 0 removed, 1 problems" in again.stdout
    problems = run("--problems")
    assert "Bad/empty.flac" in problems.stdout and "empty" in problems.stdout
    nothing = subprocess.run(
        [sys.executable, "-m", "sonantica_core", "scan"],
        capture_output=True,
        text=True,
        env={**env, "MEDIA_PATH": ""},
        cwd=tmp_path,
        timeout=60,
    )
    assert nothing.returncode == 2 and "no music folders" in nothing.stderr
