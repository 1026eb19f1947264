"""Caps on concurrent transcodes (429 per user, 503 per process) and a listener that hangs up."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgi_calls import Listener

from sonantica_core.transcode import get_transcoder


@pytest.fixture
def settings(make_settings, sources):
    return make_settings(MEDIA_PATH=f"music={sources}", TRANSCODE_MAX_CONCURRENT=2, TRANSCODE_MAX_PER_USER=1)


async def test_a_listener_who_hangs_up_stops_the_transcode_within_a_second(app, core, user_headers, add_track) -> None:
    track = await add_track("long.flac")
    transcoder = get_transcoder(core)
    listener = Listener(app, f"/api/stream/{track}?format=mp3", user_headers).start()
    await asyncio.wait_for(listener.first_body.wait(), 10)
    assert listener.status == 200
    (job,) = transcoder.jobs.values()
    assert job.thread.is_alive()
    listener.hang_up()
    await asyncio.wait_for(listener.finished.wait(), 2)
    while job.thread.is_alive() and time.monotonic() - listener.gone_at < 3:
        await asyncio.sleep(0.02)
    stopped_after = time.monotonic() - listener.gone_at
    assert not job.thread.is_alive() and stopped_after < 1.0, stopped_after
    await asyncio.sleep(0.05)
    assert job.cancelled.is_set() and job.result is None
    assert not job.part.exists() and not job.final.exists()  # nothing half-made is kept
    assert transcoder.jobs == {}
    assert not [t for t in threading.enumerate() if t.name.startswith("transcode-")]
    cpu = time.process_time()
    await asyncio.sleep(0.3)
    assert time.process_time() - cpu < 0.1  # nothing left working


async def test_caps_per_user_and_per_process(app, client, core, make_user, add_track) -> None:
    track = await add_track("long.flac")
    _, alice = await make_user("alice")
    _, bob = await make_user("bob")
    _, carol = await make_user("carol")
    first = Listener(app, f"/api/stream/{track}?format=mp3", alice).start()
    await asyncio.wait_for(first.first_body.wait(), 10)
    again = await client.get(f"/api/stream/{track}?format=opus", headers=alice)
    assert again.status_code == 429 and again.headers["retry-after"] == "5"
    assert "transcodes running" in again.json()["error"]["message"]
    second = Listener(app, f"/api/stream/{track}?format=aac", bob).start()
    await asyncio.wait_for(second.first_body.wait(), 10)
    assert second.status == 200
    full = await client.get(f"/api/stream/{track}?format=opus", headers=carol)
    assert full.status_code == 503 and full.headers["retry-after"] == "5"
    joined = Listener(app, f"/api/stream/{track}?format=mp3", carol).start()  # the same output: joins
    await asyncio.wait_for(joined.first_body.wait(), 10)
    assert joined.status == 200 and len(get_transcoder(core).jobs) == 2
    plain = await client.get(f"/api/stream/{track}", headers=carol)
    assert plain.status_code == 200  # originals are never capped
    for listener in (first, second, joined):
        listener.hang_up()
    for listener in (first, second, joined):
        await asyncio.wait_for(listener.finished.wait(), 5)
