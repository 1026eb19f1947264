"""A worker killed midway through a separation: nothing half-made is listed as ready, and it is redone."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
from stems_helpers import ThirdPartyStems, digest

from sonantica_core.stems import jobs, store

RATE = 44100


async def _wait_for(condition, seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_a_killed_worker_leaves_no_ready_stems_and_the_separation_is_redone(plugin_app, tmp_path) -> None:
    plugin = ThirdPartyStems()
    async with plugin_app(plugin) as core:
        t = np.arange(12 * RATE) / RATE
        track = await core.add_audio((0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), RATE)
        settings = core.ctx.settings
        original = Path(settings.root("music").path)
        before = {p.name: digest(p) for p in original.iterdir()}
        env = {
            "DATA_DIR": str(settings.data_dir), "POSTGRES_URL": settings.postgres_url,
            "REDIS_URL": settings.redis_url, "SECRET_KEY": settings.secret_key,
            "PLUGINS_FILE": str(settings.plugins_file), "MEDIA_PATH": f"music={original}", "LOG_LEVEL": "WARNING",
            "WATCH": "false",
        }
        child = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "separation_child.py"),
             json.dumps({"env": env, "track": track, "delay": 0.4})],
            env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        track_dir = settings.data_dir / "stems" / str(track)
        try:
            async def writing() -> bool:
                row = await store.row(core.ctx, track, "scale")
                return row is not None and row.state == "running" and any(track_dir.glob(".scale.*.part/*.flac"))

            await _wait_for(writing, 30)
            await asyncio.sleep(0.5)  # a chunk or two written
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert child.returncode == -signal.SIGKILL

        # what the dead worker left: a hidden part folder, no stems listed, no stem served
        assert not (track_dir / "scale").exists() and list(track_dir.glob(".scale.*.part"))

        async def interrupted() -> bool:
            listing = (await core.client.get(f"/api/tracks/{track}/stems")).json()
            return listing["separations"][0]["state"] == "interrupted"

        await _wait_for(interrupted, 10)  # once the run lock of the dead worker has expired
        listing = (await core.client.get(f"/api/tracks/{track}/stems")).json()
        assert listing["is_separated"] is False and listing["separations"][0]["stems"] == []
        assert (await core.client.get(f"/api/tracks/{track}/stems/scale/vocals.flac")).status_code == 404

        # asking again queues it again (the queued lock of the dead run does not stand in the way)
        again = await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "scale"})
        assert again.json()["status"] == "queued"
        assert await core.run_task(jobs.separate_track, track, "scale") == "ready"
        row = await store.row(core.ctx, track, "scale")
        assert row.state == "ready" and row.attempts == 2
        assert sorted(p.name for p in track_dir.iterdir()) == ["scale"]  # the part folder is gone
        assert (await core.client.get(f"/api/tracks/{track}/stems/scale/vocals.flac")).status_code == 200
        assert {p.name: digest(p) for p in original.iterdir()} == before
