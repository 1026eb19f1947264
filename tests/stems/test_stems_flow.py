"""Stems on demand end to end: a third-party separator registered through the hook is called by
the core; requests queue once; stems stream with Range like originals; mixes; failures; events."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from stems_helpers import ThirdPartyStems, digest

from sonantica_core.bus.events import subscribe
from sonantica_core.stems import jobs

RATE = 44100


def _music(seconds: float = 5.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    left = 0.4 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 1500 * t)
    return np.stack([left, 0.5 * left], axis=1).astype(np.float32)


async def _original(core: Any, track_id: int) -> Path:
    from sqlalchemy import select

    from sonantica_core.db.library import Track

    async with core.ctx.session() as session:
        relative = await session.scalar(select(Track.relative_path).where(Track.id == track_id))
    return Path(core.ctx.settings.root("music").path) / relative


async def _collect(core: Any, into: list[dict[str, Any]], stop: asyncio.Event) -> None:
    async for event in subscribe(core.ctx.redis):
        if event.get("type") == "stems.progress":
            into.append(event)
            if event["state"] in ("ready", "failed"):
                stop.set()


async def test_a_hook_separator_is_called_and_its_stems_stream_with_range(plugin_app) -> None:
    plugin = ThirdPartyStems()
    async with plugin_app(plugin) as core:
        track = await core.add_audio(_music(), RATE)
        original = await _original(core, track)
        before = digest(original)

        listing = (await core.client.get(f"/api/tracks/{track}/stems")).json()
        assert [s["name"] for s in listing["separators"]] == ["scale", "broken"]
        assert listing["separators"][0]["quality"] == "neural" and listing["is_separated"] is False

        assert (await core.client.get(f"/api/library/tracks/{track}")).json()["is_separated"] is False
        first = await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "scale"})
        second = await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "scale"})
        assert first.status_code == 202 and first.json()["status"] == "queued"
        assert second.json()["status"] == "already queued"  # queued once
        [separation] = (await core.client.get(f"/api/tracks/{track}/stems")).json()["separations"]
        assert separation["state"] == "queued" and separation["stems"] == []

        events: list[dict[str, Any]] = []
        done = asyncio.Event()
        listener = asyncio.create_task(_collect(core, events, done))
        await asyncio.sleep(0.2)
        assert await core.run_task(jobs.separate_track, track, "scale") == "ready"
        await asyncio.wait_for(done.wait(), 5)
        listener.cancel()
        assert events[0]["state"] == "running" and events[-1]["state"] == "ready"

        # the core fed the separator bounded chunks at its rate, overlapping as declared
        separator = plugin.scale
        assert separator.loaded == 1
        assert max(separator.chunks) == 2 * 22050
        assert sum(separator.chunks) - (len(separator.chunks) - 1) * round(0.25 * 22050) == 5 * 22050

        listing = (await core.client.get(f"/api/tracks/{track}/stems")).json()
        [separation] = listing["separations"]
        assert listing["is_separated"] is True and separation["state"] == "ready"
        assert {s["name"] for s in separation["stems"]} == {"vocals", "accompaniment"}
        assert listing["bytes"] == sum(s["bytes"] for s in separation["stems"]) > 0
        assert (await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "scale"})).json()[
            "status"] == "ready"

        # the files: under DATA_DIR/stems, FLAC, what the separator returned (cross-faded seams included)
        stems_dir = core.ctx.settings.data_dir / "stems" / str(track) / "scale"
        vocals, rate = soundfile.read(str(stems_dir / "vocals.flac"), dtype="float32")
        accompaniment, _ = soundfile.read(str(stems_dir / "accompaniment.flac"), dtype="float32")
        assert rate == 22050 and len(vocals) == len(accompaniment) == 5 * 22050
        np.testing.assert_allclose(vocals * 3, accompaniment, atol=1e-4)
        assert not str(stems_dir).startswith(str(core.ctx.settings.root("music").path))

        # streamed like originals: whole, ranges, If-None-Match, HEAD
        url = next(s["url"] for s in separation["stems"] if s["name"] == "vocals")
        body = (stems_dir / "vocals.flac").read_bytes()
        whole = await core.client.get(url)
        assert whole.status_code == 200 and whole.content == body
        assert whole.headers["content-type"] == "audio/flac" and whole.headers["accept-ranges"] == "bytes"
        part = await core.client.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == body[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(body)}"
        tail = await core.client.get(url, headers={"Range": "bytes=-10"})
        assert tail.status_code == 206 and tail.content == body[-10:]
        assert (await core.client.get(url, headers={"Range": f"bytes={len(body)}-"})).status_code == 416
        assert (await core.client.get(url, headers={"If-None-Match": whole.headers["etag"]})).status_code == 304
        head = await core.client.head(url)
        assert head.status_code == 200 and head.headers["content-length"] == str(len(body)) and not head.content
        assert (await core.client.get(f"/api/tracks/{track}/stems/scale/drums.flac")).status_code == 404
        assert (await core.client.get(f"/api/tracks/{track}/stems/..%2Fx/vocals.flac")).status_code == 404

        # the track shows it
        detail = (await core.client.get(f"/api/library/tracks/{track}")).json()
        assert detail["is_separated"] is True
        assert detail["stems"] == [{"separator": "scale", "quality": "neural", "bytes": listing["bytes"],
                                    "stems": {s["name"]: s["bytes"] for s in separation["stems"]}}]
        assert digest(original) == before  # the original is only ever read


async def test_a_mix_is_rendered_once_and_streamed(plugin_app) -> None:
    async with plugin_app(ThirdPartyStems()) as core:
        track = await core.add_audio(_music(3.0), RATE)
        early = await core.client.post(f"/api/tracks/{track}/stems/mix", json={"separator": "scale",
                                                                               "gains": {"vocals": 0}})
        assert early.status_code == 409 and early.json()["error"]["code"] == "not_separated"
        await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "scale"})
        await core.run_task(jobs.separate_track, track, "scale")
        bad = await core.client.post(f"/api/tracks/{track}/stems/mix", json={"separator": "scale",
                                                                             "gains": {"drums": 0}})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_mix"
        asked = await core.client.post(f"/api/tracks/{track}/stems/mix", json={"separator": "scale",
                                                                               "gains": {"vocals": 0}})
        assert asked.status_code == 202
        answer = asked.json()
        assert answer["status"] == "queued" and answer["key"] == "vocals=0,accompaniment=1"
        again = await core.client.post(f"/api/tracks/{track}/stems/mix",
                                       json={"separator": "scale", "gains": {"accompaniment": 1, "vocals": 0.0}})
        assert again.json()["status"] == "already queued"  # the same mix, however the gains are written
        assert await core.run_task(jobs.render_track_mix, track, "scale", answer["key"]) == "ready"
        mixed = await core.client.get(answer["url"])
        assert mixed.status_code == 200
        part = await core.client.get(answer["url"], headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == mixed.content[:100]
        stems_dir = core.ctx.settings.data_dir / "stems" / str(track) / "scale"
        accompaniment, _ = soundfile.read(str(stems_dir / "accompaniment.flac"), dtype="float32")
        mix_path = next(stems_dir.glob("mix-*.flac"))
        mix, _ = soundfile.read(str(mix_path), dtype="float32")
        np.testing.assert_allclose(mix, accompaniment, atol=1e-5)
        [separation] = (await core.client.get(f"/api/tracks/{track}/stems")).json()["separations"]
        assert separation["mixes"][0]["state"] == "ready" and separation["mixes"][0]["url"] == answer["url"]
        assert separation["mixes"][0]["gains"] == {"vocals": 0.0, "accompaniment": 1.0}


async def test_a_failing_separation_leaves_nothing_listed_and_can_be_asked_again(plugin_app) -> None:
    async with plugin_app(ThirdPartyStems()) as core:
        track = await core.add_audio(_music(3.0), RATE)
        await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "broken"})
        assert await core.run_task(jobs.separate_track, track, "broken") == "failed"
        [separation] = (await core.client.get(f"/api/tracks/{track}/stems")).json()["separations"]
        assert separation["state"] == "failed" and separation["stems"] == []
        assert "No space left on device" in separation["error"]
        track_dir = core.ctx.settings.data_dir / "stems" / str(track)
        assert list(track_dir.iterdir()) == []  # neither stems nor a partial folder
        assert (await core.client.get(f"/api/tracks/{track}/stems/broken/a.flac")).status_code == 404
        retry = await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "broken"})
        assert retry.json()["status"] == "queued"


async def test_unknown_separators_and_tracks(plugin_app) -> None:
    async with plugin_app(ThirdPartyStems()) as core:
        track = await core.add_audio(_music(1.0), RATE)
        missing = await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "nope"})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_separator"
        assert (await core.client.post("/api/tracks/999999/stems")).status_code == 404
        assert (await core.client.get("/api/tracks/999999/stems")).status_code == 404
        default = await core.client.post(f"/api/tracks/{track}/stems")
        assert default.json()["separator"] == "scale"  # the first in plugin order
    async with plugin_app() as core:
        track = await core.add_audio(_music(1.0), RATE)
        none = await core.client.post(f"/api/tracks/{track}/stems")
        assert none.status_code == 503 and none.json()["error"]["code"] == "no_separator"
