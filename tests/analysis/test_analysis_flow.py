"""The analysis task end to end: results stored per analyzer, failures contained,
album values, the listener's track first, events, the HTTP surface."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import insert, select, text

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed
from sonantica_core.db.analysis import TrackAnalysis, TrackAudioFeatures
from sonantica_core.db.library import Album, Track
from sonantica_core.plugins import Plugin, hookimpl
from sonantica_core.settings import SETTINGS
from sonantica_core.testing.audio import AudioSpec, write_audio


class _PeakSession(AnalysisSession):
    def __init__(self) -> None:
        self.peak = 0.0
        self.frames = 0

    def feed(self, block: np.ndarray) -> None:
        self.peak = max(self.peak, float(np.abs(block).max(initial=0.0)))
        self.frames += len(block)

    def finish(self) -> AnalysisResult:
        return AnalysisResult(
            features={"sample_peak": self.peak},
            extras={"frames": str(self.frames)},
            artifacts={"waveform.json": json.dumps({"version": 2, "data": [0, 1]}).encode()},
            state={"peak": self.peak},
        )


class PeakAnalyzer(Analyzer):
    """Sample peak, per track and per album (max over the album's tracks)."""

    name = "peak"
    version = 1
    needs = AudioNeed(sample_rate=None, mono=False)

    def start(self, info: AudioInfo) -> AnalysisSession:
        return _PeakSession()

    def finish_album(self, tracks: Sequence[AnalysisResult]):  # type: ignore[override]
        album_peak = max(t.state["peak"] for t in tracks)
        return {t.track_id: {"replaygain_album_peak": album_peak} for t in tracks}


class BrokenAnalyzer(Analyzer):
    name = "broken"
    version = 3
    needs = AudioNeed(sample_rate=22050, mono=True)

    def start(self, info: AudioInfo) -> AnalysisSession:
        raise RuntimeError("this analyzer always fails")


class AnalyzersPlugin(Plugin):
    name = "testanalyzers"

    @hookimpl
    def register_analyzers(self, ctx):  # type: ignore[no-untyped-def]
        return [PeakAnalyzer(), BrokenAnalyzer()]


@pytest.fixture
def music(tmp_path: Path) -> Path:
    root = tmp_path / "music"
    root.mkdir()
    for n, amplitude in enumerate((0.25, 0.5)):
        write_audio(root / f"t{n}.flac", "flac", AudioSpec(duration=1.0, amplitude=amplitude, frequency=440.0 + n))
    return root


async def _add_tracks(ctx, names: Sequence[str], album: bool = True) -> list[int]:
    async with ctx.session() as session:
        album_id = None
        if album:
            album_id = (
                await session.execute(
                    insert(Album).values(key="test:a", title="A", title_folded="a").returning(Album.id)
                )
            ).scalar_one()
        ids = []
        for n, name in enumerate(names):
            ids.append(
                (
                    await session.execute(
                        insert(Track)
                        .values(
                            root="music",
                            relative_path=name,
                            size=1,
                            mtime_ns=0,
                            content_hash=f"h{n}-{name}",
                            title=name,
                            title_folded=name,
                            album_id=album_id,
                            track_number=n + 1,
                        )
                        .returning(Track.id)
                    )
                ).scalar_one()
            )
    return ids


async def test_results_are_stored_per_analyzer_and_a_failure_is_contained(plugin_app, music: Path) -> None:
    from sonantica_core.analysis.tasks import analyze_track

    async with plugin_app(AnalyzersPlugin(), MEDIA_PATH=f"music={music}") as core:
        first, second = await _add_tracks(core.ctx, ["t0.flac", "t1.flac"])
        await core.run_task(analyze_track, first)
        async with core.ctx.session() as session:
            states = {s.analyzer: s for s in (await session.execute(select(TrackAnalysis))).scalars()}
            features = await session.get(TrackAudioFeatures, first)
        assert states["peak"].status == "done" and states["peak"].version == 1
        assert states["broken"].status == "failed" and states["broken"].version == 3
        assert "this analyzer always fails" in states["broken"].error
        assert features.sample_peak == pytest.approx(0.25, abs=0.01)
        assert features.replaygain_album_peak is None  # the album is not complete yet

        response = await core.client.get(f"/api/tracks/{first}/analysis")
        body = response.json()
        assert response.status_code == 200
        assert {a["name"]: a["status"] for a in body["analyzers"]} == {"broken": "failed", "peak": "done"}
        assert {"key": "frames", "value": "44100", "source": "peak"} in body["extras"]
        waveform = await core.client.get(f"/api/tracks/{first}/waveform")
        assert waveform.status_code == 200 and waveform.json() == {"version": 2, "data": [0, 1]}
        again = await core.client.get(
            f"/api/tracks/{first}/waveform", headers={"If-None-Match": waveform.headers["etag"]}
        )
        assert again.status_code == 304

        await core.run_task(analyze_track, second)
        async with core.ctx.session() as session:
            album_peaks = (
                await session.execute(select(TrackAudioFeatures.track_id, TrackAudioFeatures.replaygain_album_peak))
            ).all()
        assert {tid: round(peak, 2) for tid, peak in album_peaks} == {first: 0.5, second: 0.5}


async def test_missing_file_is_recorded_as_failure_not_crash(plugin_app, music: Path) -> None:
    from sonantica_core.analysis.tasks import analyze_track

    async with plugin_app(AnalyzersPlugin(), MEDIA_PATH=f"music={music}") as core:
        (track,) = await _add_tracks(core.ctx, ["gone.flac"], album=False)
        await core.run_task(analyze_track, track)
        async with core.ctx.session() as session:
            rows = (
                await session.execute(select(TrackAnalysis.analyzer, TrackAnalysis.status, TrackAnalysis.error))
            ).all()
        assert {r.analyzer for r in rows} == {"peak", "broken"}
        assert all(r.status == "failed" and "missing" in r.error for r in rows)


async def test_analyze_request_is_queued_once_and_new_version_requeues(plugin_app, music: Path) -> None:
    from sonantica_core.analysis import queue, tasks
    from sonantica_core.analysis.tasks import analyze_track

    async with plugin_app(AnalyzersPlugin(), MEDIA_PATH=f"music={music}") as core:
        (track,) = await _add_tracks(core.ctx, ["t0.flac"], album=False)
        first = await core.client.post(f"/api/tracks/{track}/analyze")
        second = await core.client.post(f"/api/tracks/{track}/analyze")
        assert (first.status_code, first.json()["status"]) == (202, "queued")
        assert second.json()["status"] == "already queued"
        high = await core.ctx.redis.xlen("sonantica:tasks:high")
        assert high == 1
        await core.run_task(analyze_track, track)
        assert (await core.client.post(f"/api/tracks/{track}/analyze")).json()["status"] == "done"
        assert (await core.client.post("/api/tracks/999999/analyze")).status_code == 404
        assert (await core.client.post("/api/tracks/abc/analyze")).status_code == 404

        PeakAnalyzer.version = 2
        try:
            await core.ctx.redis.delete(queue.RESULT_CACHE.format(track))
            assert await queue.pending_tracks(core.ctx, queue.enabled_analyzers(core.ctx)) == [track]
            assert await tasks.queue_backlog(core.ctx) == 1
            assert await tasks.queue_backlog(core.ctx) == 0  # once
        finally:
            PeakAnalyzer.version = 1


async def test_analysis_ready_event_reaches_the_event_stream(plugin_app, music: Path) -> None:
    from sonantica_core.analysis.tasks import analyze_track
    from sonantica_core.bus.events import subscribe

    async with plugin_app(AnalyzersPlugin(), MEDIA_PATH=f"music={music}") as core:
        (track,) = await _add_tracks(core.ctx, ["t0.flac"], album=False)
        received: list[dict] = []

        async def listen() -> None:
            async for event in subscribe(core.ctx.redis):
                received.append(event)
                return

        listener = asyncio.create_task(listen())
        await asyncio.sleep(0.2)
        await core.run_task(analyze_track, track)
        await asyncio.wait_for(listener, 10)
        assert received[0]["type"] == "analysis.ready"
        assert received[0]["track_id"] == track and received[0]["analyzers"] == ["peak"]


PLUGIN_MODULE = """
from sonantica_core.plugins import Plugin, hookimpl
import sys
sys.path.insert(0, {tests!r})
from test_analysis_flow import PeakAnalyzer

class Slow(PeakAnalyzer):
    name = "slowpeak"

class P(Plugin):
    name = "prioritytest"

    @hookimpl
    def register_analyzers(self, ctx):
        return [Slow()]

plugin = P()
"""


@pytest.mark.slow
async def test_a_played_track_is_analysed_before_a_backlog_of_500(
    make_settings, database_url: str, redis_url: str, music: Path, tmp_path: Path
) -> None:
    """500 tracks wait in the low queue; the one a listener plays goes first."""
    from taskiq import async_shared_broker

    from sonantica_core.analysis.tasks import analyze_track
    from sonantica_core.context import open_context
    from sonantica_core.tasks import Priority, PriorityRedisBroker, send

    support = tmp_path / "support"
    support.mkdir()
    (support / "prioritytest_plugin.py").write_text(PLUGIN_MODULE.format(tests=str(Path(__file__).parent)))
    plugins_toml = tmp_path / "plugins.toml"
    plugins_toml.write_text("[plugins.prioritytest]\n")
    settings = make_settings(MEDIA_PATH=f"music={music}", PLUGINS_FILE=str(plugins_toml))
    ctx = await open_context(settings, secret_key="k" * 40, postgres_url=database_url, redis_url=redis_url)
    broker = PriorityRedisBroker(redis_url)
    async_shared_broker.default_broker(broker)
    await broker.startup()
    try:
        for n in range(501):  # a backlog of 500 plus the played track, over two real files
            os.symlink(music / f"t{n % 2}.flac", music / f"b{n}.flac")
        backlog = await _add_tracks(ctx, [f"b{n}.flac" for n in range(501)], album=False)
        played = backlog.pop()
        for track_id in backlog:
            await send(analyze_track, track_id, priority=Priority.LOW)
        await send(analyze_track, played, priority=Priority.HIGH)

        env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
        env.update(
            POSTGRES_URL=database_url,
            REDIS_URL=redis_url,
            DATA_DIR=str(tmp_path / "data"),
            SECRET_KEY="k" * 40,
            MEDIA_PATH=f"music={music}",
            PLUGINS_FILE=str(plugins_toml),
            LOG_LEVEL="WARNING",
            PYTHONPATH=os.pathsep.join([str(support), env.get("PYTHONPATH", "")]),
        )
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import importlib.metadata, sys;"
                "from sonantica_core.testing.fixtures import register_plugin;"
                "import prioritytest_plugin;"
                "from sonantica_core.cli.main import main;"
                "ctx = register_plugin(prioritytest_plugin.plugin); ctx.__enter__();"
                "sys.exit(main(['worker']))",
            ],
            env=env,
            cwd=tmp_path,
        )
        try:
            deadline = time.monotonic() + 120
            done_count = 0
            while time.monotonic() < deadline:
                async with ctx.session() as session:
                    done_count = await session.scalar(text("SELECT count(*) FROM track_analysis"))
                if done_count >= 20:
                    break
                await asyncio.sleep(0.2)
            async with ctx.session() as session:
                order = (
                    (await session.execute(text("SELECT track_id FROM track_analysis ORDER BY analyzed_at, track_id")))
                    .scalars()
                    .all()
                )
        finally:
            worker.terminate()
            worker.wait(30)
        assert done_count >= 20, "the worker analysed too little"
        assert order[0] == played, f"the played track came {order.index(played) + 1}th"
    finally:
        await broker.shutdown()
        await ctx.close()
