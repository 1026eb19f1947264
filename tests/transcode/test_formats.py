"""Each output format decodes, and PyAV and ffprobe agree on what it is; originals that fit pass as they are."""

from __future__ import annotations

import pytest
from transcode_testkit import decode, ffprobe

CASES = {
    # query → codec (PyAV decoder / ffprobe), Content-Type, rate, one frame in samples
    "format=opus&bitrate=96": ("opus", "audio/ogg", 48_000, 960),
    "format=mp3": ("mp3", "audio/mpeg", 44_100, 1152),
    "format=mp3&bitrate=128": ("mp3", "audio/mpeg", 44_100, 1152),
    "format=aac&bitrate=160": ("aac", "audio/aac", 44_100, 1024),
    "format=flac&sampleRate=22050": ("flac", "audio/flac", 22_050, 4608),
}


@pytest.mark.parametrize("query", list(CASES))
async def test_each_format_decodes_and_probes_alike(client, user_headers, add_track, tmp_path, query) -> None:
    track = await add_track("short.flac")
    codec, ctype, rate, frame = CASES[query]
    answer = await client.get(f"/api/stream/{track}?{query}", headers=user_headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == ctype
    assert float(answer.headers["x-content-duration"]) == pytest.approx(6.0, abs=0.001)
    assert "content-length" not in answer.headers or answer.headers["content-length"] == str(len(answer.content))
    decoded = decode(answer.content)
    assert decoded.codec.startswith(codec) and decoded.rate == rate and decoded.channels == 2
    path = tmp_path / f"out.{codec}"
    path.write_bytes(answer.content)
    probed = ffprobe(path)
    assert (probed["codec"], probed["rate"], probed["channels"]) == (codec, rate, 2)
    one_frame = frame / rate
    assert abs(decoded.duration - probed["duration"]) <= one_frame
    # the duration covered, less the encoder's priming where the format has no header to say it
    assert abs(decoded.duration - 6.0) <= one_frame + 2048 / rate


async def test_hires_flac_is_resampled_and_reduced(client, user_headers, add_track, tmp_path) -> None:
    track = await add_track("hires.flac")
    answer = await client.get(f"/api/stream/{track}?profile=hires", headers=user_headers)
    assert answer.status_code == 200, answer.text
    decoded = decode(answer.content)
    assert (decoded.codec, decoded.rate) == ("flac", 48_000)
    assert decoded.duration == pytest.approx(4.0, abs=1 / 48_000)


async def test_an_original_that_fits_is_sent_as_it_is(client, user_headers, add_track, sources) -> None:
    track = await add_track("short.flac")
    original = (sources / "short.flac").read_bytes()
    for query in ("format=flac", "format=raw&timeOffset=3", "bitrate=5000", "profile=hires", "replayGain=track"):
        answer = await client.get(f"/api/stream/{track}?{query}", headers=user_headers)
        assert answer.status_code == 200, query
        assert answer.content == original, query  # bit-perfect
        assert "x-content-duration" not in answer.headers
        ranged = await client.get(f"/api/stream/{track}?{query}", headers={**user_headers, "Range": "bytes=10-19"})
        assert ranged.status_code == 206 and ranged.content == original[10:20]


async def test_bad_parameters_are_refused_clearly(client, user_headers, add_track) -> None:
    track = await add_track("short.flac")
    for query, word in (
        ("format=wav", "format"),
        ("timeOffset=-1", "timeOffset"),
        ("timeOffset=abc", "timeOffset"),
        ("timeOffset=nan", "timeOffset"),
        ("profile=nope", "profile"),
        ("bitrate=x", "bitrate"),
        ("sampleRate=5", "sampleRate"),
        ("replayGain=loud", "replayGain"),
    ):
        answer = await client.get(f"/api/stream/{track}?{query}", headers=user_headers)
        assert answer.status_code == 400, query
        assert word in answer.json()["error"]["message"], query
