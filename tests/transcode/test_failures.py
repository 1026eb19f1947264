"""A damaged source ends its stream cleanly and is recorded; ReplayGain; the express lane declines."""

from __future__ import annotations

import asyncio
import random

import numpy as np
import pytest
import soundfile
from sqlalchemy import select
from transcode_testkit import decode, signal, write_flac

from sonantica_core.db.analysis import TrackAudioFeatures
from sonantica_core.db.library import ScanProblemRow
from sonantica_core.fastpath.stream_route import lane_applies
from sonantica_core.transcode import get_transcoder


async def test_a_damaged_file_ends_the_stream_and_is_recorded(client, core, user_headers, add_track, sources) -> None:
    path = write_flac(sources / "damaged.flac", signal(10.0, seed=11))
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 30_000] = random.Random(2).randbytes(30_000)
    path.write_bytes(bytes(data))
    track = await add_track("damaged.flac")
    answer = await client.get(f"/api/stream/{track}?format=opus", headers=user_headers)
    assert answer.status_code == 200
    decoded = decode(answer.content)  # what was sent is a whole, valid stream
    assert 2.0 < decoded.duration < 9.0
    for _ in range(100):
        async with core.session() as session:
            row = (
                await session.execute(select(ScanProblemRow).where(ScanProblemRow.relative_path == "damaged.flac"))
            ).scalar_one_or_none()
        if row is not None:
            break
        await asyncio.sleep(0.05)
    assert row is not None and row.kind == "corrupt" and "damaged" in row.reason
    transcoder = get_transcoder(core)
    assert not transcoder.jobs
    assert not list(transcoder.cache.root.rglob("*.opus"))  # not cached


async def test_unreadable_source_is_404(client, user_headers, add_track, sources) -> None:
    (sources / "noise.flac").write_bytes(b"not audio at all" * 100)
    track = await add_track("noise.flac")
    answer = await client.get(f"/api/stream/{track}?format=opus", headers=user_headers)
    assert answer.status_code == 404 and "cannot be played" in answer.json()["error"]["message"]


async def test_replaygain_is_applied_without_clipping(client, core, user_headers, add_track, sources) -> None:
    track = await add_track("short.flac")
    source, _ = soundfile.read(sources / "short.flac", dtype="float32")
    peak = float(np.abs(source).max())
    async with core.session() as session:
        session.add(
            TrackAudioFeatures(
                track_id=track,
                replaygain_track_gain=-6.0,
                replaygain_track_peak=peak,
                replaygain_album_gain=12.0,
                replaygain_album_peak=peak,
            )
        )
    quieter = decode(
        (await client.get(f"/api/stream/{track}?format=flac&replayGain=track", headers=user_headers)).content
    ).samples
    np.testing.assert_allclose(quieter, source * 10 ** (-6 / 20), atol=1.5 / 32768)
    louder = decode(
        (await client.get(f"/api/stream/{track}?format=flac&replayGain=album", headers=user_headers)).content
    ).samples
    np.testing.assert_allclose(louder, source / peak, atol=1.5 / 32768)  # +12 dB capped at the peak
    assert np.abs(louder).max() <= 1.0


@pytest.mark.parametrize(
    ("query", "applies"),
    [
        (b"", True),
        (b"download=1", True),
        (b"format=opus", False),
        (b"timeOffset=3", False),
        (b"maxBitRate=128", False),
        (b"profile=mobile", False),
    ],
)
def test_the_express_lane_leaves_transcodes_to_the_route(query, applies) -> None:
    scope = {"type": "http", "method": "GET", "path": "/api/stream/12", "query_string": query, "headers": []}
    assert lane_applies(scope, cors=False) is applies
