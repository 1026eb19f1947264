"""``timeOffset``: the output starts at the source's sample there (exactly for lossless output)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from scipy.signal import resample_poly
from transcode_testkit import RATE, best_lag, decode


async def test_flac_output_starts_exactly_at_the_offset(client, user_headers, add_track, sources) -> None:
    track = await add_track("long.flac")
    source, _ = soundfile.read(sources / "long.flac", dtype="float32")
    for offset in (30.0, 12.3456):
        answer = await client.get(f"/api/stream/{track}?format=flac&timeOffset={offset}", headers=user_headers)
        assert answer.status_code == 200, answer.text
        start = round(offset * RATE)
        assert float(answer.headers["x-content-duration"]) == pytest.approx(34.0 - offset, abs=0.001)
        decoded = decode(answer.content).samples
        assert len(decoded) == len(source) - start
        np.testing.assert_array_equal(decoded, source[start:])  # sample-accurate


async def test_lossy_output_at_30_s_cross_correlates_with_the_source(client, user_headers, add_track, sources) -> None:
    track = await add_track("long.flac")
    source, _ = soundfile.read(sources / "long.flac", dtype="float32")
    mono = source.mean(axis=1)
    answer = await client.get(f"/api/stream/{track}?format=opus&timeOffset=30", headers=user_headers)
    assert answer.status_code == 200
    opus = decode(answer.content)
    reference = resample_poly(mono[30 * RATE :], 160, 147)  # 44.1 → 48 kHz
    assert best_lag(reference, opus.samples.mean(axis=1), span=480) == 0  # Ogg's pre-skip removes the priming
    assert opus.duration == pytest.approx(4.0, abs=0.021)

    answer = await client.get(f"/api/stream/{track}?format=mp3&bitrate=192&timeOffset=30", headers=user_headers)
    mp3 = decode(answer.content)
    lag = best_lag(mono[30 * RATE :], mp3.samples.mean(axis=1), span=2400)
    assert 0 <= lag <= 1105 + 576  # the encoder's delay, which a stream cannot announce (no LAME header)
