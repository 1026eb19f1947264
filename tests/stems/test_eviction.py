"""Eviction: stems unused for STEMS_TTL_DAYS go (a controlled clock says when "now" is), the
STEMS_MAX_BYTES quota removes the least recently used first, left-overs are swept, originals stay."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from stems_helpers import ThirdPartyStems, digest

from sonantica_core.stems import jobs, store
from sonantica_core.stems.evict import evict

RATE = 44100
DAY = dt.timedelta(days=1)


async def _separated(core: Any, seconds: float = 2.0, freq: float = 440.0) -> int:
    t = np.arange(int(seconds * RATE)) / RATE
    track = await core.add_audio((0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), RATE)
    await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "scale"})
    assert await core.run_task(jobs.separate_track, track, "scale") == "ready"
    return track


def _originals(core: Any) -> dict[str, Any]:
    return {p.name: digest(p) for p in Path(core.ctx.settings.root("music").path).iterdir()}


async def test_unused_stems_expire_after_the_ttl(plugin_app) -> None:
    async with plugin_app(ThirdPartyStems(), STEMS_TTL_DAYS=30) as core:
        kept, expired = await _separated(core), await _separated(core, freq=550.0)
        originals = _originals(core)
        start = store.utcnow()
        for track in (kept, expired):
            mix = {"separator": "scale", "gains": {"vocals": 0}}
            await core.client.post(f"/api/tracks/{track}/stems/mix", json=mix)
            key = "vocals=0,accompaniment=1"
            assert await core.run_task(jobs.render_track_mix, track, "scale", key) == "ready"
        # 20 days on, one of them is streamed
        await store.touch(core.ctx, kept, "scale", now=start + 20 * DAY)
        report = await evict(core.ctx, now=start + 29 * DAY)
        assert report.expired == 0 and report.over_quota == 0
        report = await evict(core.ctx, now=start + 31 * DAY)
        assert report.expired >= 1 and report.bytes_freed > 0
        root = core.ctx.settings.data_dir / "stems"
        assert not (root / str(expired)).exists()
        assert (await core.client.get(f"/api/tracks/{expired}/stems")).json()["separations"] == []
        listing = (await core.client.get(f"/api/tracks/{kept}/stems")).json()
        assert listing["is_separated"] is True
        # the kept separation's mix was not streamed since: it expired alone
        assert listing["separations"][0]["mixes"] == []
        assert (root / str(kept) / "scale" / "vocals.flac").is_file() and not list((root / str(kept)).glob("*/mix-*"))
        await evict(core.ctx, now=start + 51 * DAY)
        assert not (root / str(kept)).exists()
        assert _originals(core) == originals


async def test_a_stream_records_the_last_use(plugin_app) -> None:
    async with plugin_app(ThirdPartyStems(), STEMS_TTL_DAYS=30) as core:
        track = await _separated(core)
        row = await store.row(core.ctx, track, "scale")
        async with core.ctx.session() as session:  # made long ago
            from sqlalchemy import update

            from sonantica_core.db.stems import TrackStems

            await session.execute(update(TrackStems).values(last_used_at=store.utcnow() - 40 * DAY))
        streamed = await core.client.get(f"/api/tracks/{track}/stems/scale/vocals.flac", headers={"Range": "bytes=0-9"})
        assert streamed.status_code == 206
        after = await store.row(core.ctx, track, "scale")
        assert after.last_used_at > row.last_used_at - dt.timedelta(seconds=1)
        assert (await evict(core.ctx)).expired == 0


async def test_the_quota_removes_the_least_recently_used_first(plugin_app) -> None:
    async with plugin_app(ThirdPartyStems()) as core:
        first, second = await _separated(core), await _separated(core, freq=660.0)
        one = (await store.row(core.ctx, first, "scale")).bytes
        start = store.utcnow()
        await store.touch(core.ctx, first, "scale")  # the first is the most recently used now
        core.ctx.settings = _with_quota(core.ctx.settings, int(one * 1.5))
        report = await evict(core.ctx, now=start + 2 * DAY)
        assert report.over_quota == 1
        assert await store.row(core.ctx, second, "scale") is None
        assert (await store.row(core.ctx, first, "scale")).state == "ready"
        # a new separation past the quota pushes out the least recently used again (the task evicts)
        third = await _separated(core, freq=770.0)
        assert await store.row(core.ctx, first, "scale") is None
        assert (await store.row(core.ctx, third, "scale")).state == "ready"


async def test_left_overs_are_swept(plugin_app) -> None:
    async with plugin_app(ThirdPartyStems()) as core:
        track = await _separated(core)
        root = core.ctx.settings.data_dir / "stems"
        orphan = root / "424242" / "scale"
        orphan.mkdir(parents=True)
        (orphan / "vocals.flac").write_bytes(b"x")
        dead_part = root / str(track) / ".scale.0123abcd.part"
        dead_part.mkdir()
        (dead_part / "vocals.flac").write_bytes(b"half")
        report = await evict(core.ctx)
        assert report.orphans == 2 and not orphan.exists() and not dead_part.exists()
        assert (root / str(track) / "scale" / "vocals.flac").is_file()
        shutil.rmtree(root)
        assert (await evict(core.ctx)).orphans == 0


def _with_quota(settings: Any, quota: int) -> Any:
    import dataclasses

    return dataclasses.replace(settings, stems_max_bytes=quota)


def test_eviction_is_a_periodic_task() -> None:
    from sonantica_core.tasks.periodic import periodic_jobs

    [job] = [job for job in periodic_jobs() if job.name == "core:stems-evict"]
    assert job.every == DAY / 24
