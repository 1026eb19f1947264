"""The loudness analyzer through the pipeline: features, ReplayGain 2.0, album gain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from loudness_signals import sequence, sine
from sonantica_loudness import LoudnessAnalyzer
from sonantica_loudness.gating import gated_loudness
from sonantica_loudness.meter import LoudnessMeter
from sonantica_loudness.plugin import plugin

from sonantica_core.analysis import run_analyzers
from sonantica_core.contract import FEATURE_COLUMNS, AnalysisResult
from sonantica_core.testing.signals import song, write_audio


def analyse(path: Path, track_id: int = 1) -> AnalysisResult:
    result = run_analyzers(path, track_id, [LoudnessAnalyzer()])["loudness"]
    assert isinstance(result, AnalysisResult), result
    return result


def test_features_of_a_minus_23_lufs_file(tmp_path: Path):
    path = write_audio(tmp_path / "ref", sequence(48000, [(-23, 12)]), 48000, "flac24")
    result = analyse(path)
    f = result.features
    assert set(f) <= FEATURE_COLUMNS
    assert f["loudness_lufs"] == pytest.approx(-23.0, abs=0.1)
    assert f["replaygain_track_gain"] == pytest.approx(5.0, abs=0.1)  # -18 - (-23)
    assert f["loudness_range_lu"] == pytest.approx(0.0, abs=0.1)
    assert f["sample_peak"] == pytest.approx(10 ** (-23 / 20), rel=1e-3)
    assert f["replaygain_track_peak"] == f["sample_peak"]
    assert f["true_peak_dbtp"] == pytest.approx(-23.0, abs=0.05)
    assert result.extras["replaygain_reference_lufs"] == "-18"


def test_surround_file_end_to_end(tmp_path: Path):
    rate = 48000
    front, centre, surround = sine(rate, -28, 12), sine(rate, -24, 12), sine(rate, -30, 12)
    lfe = sine(rate, -6, 12, freq=50)
    path = write_audio(
        tmp_path / "surround",
        np.stack([front, front, centre, lfe, surround, surround], 1),
        rate,
        "flac24",
        layout="5.1",
    )
    assert analyse(path).features["loudness_lufs"] == pytest.approx(-23.0, abs=0.1)


def test_lossy_file_measures_close_to_its_source(tmp_path: Path):
    x = song(118, 7, "major_I_V_vi_IV", 15, 44100, "rock", seed=2)
    stereo = np.stack([x, 0.7 * x], axis=1)
    lossless = analyse(write_audio(tmp_path / "a", stereo, 44100, "flac")).features["loudness_lufs"]
    for encoding in ("mp3", "m4a", "opus"):
        lossy = analyse(write_audio(tmp_path / encoding, stereo, 44100, encoding)).features["loudness_lufs"]
        # Lossy encoders cut the top octave (MP3 128k at ~16 kHz), which K-weighting
        # counts: ffmpeg's ebur128 reads the same -0.6 LU for this MP3.
        assert lossy == pytest.approx(lossless, abs=1.0), encoding


def test_album_gain_pools_the_blocks_of_all_tracks(tmp_path: Path):
    rate = 44100
    loud, quiet = sequence(rate, [(-12, 10)]), sequence(rate, [(-30, 20)])
    results = [
        analyse(write_audio(tmp_path / f"t{i}", x, rate, "flac"), track_id=i + 1) for i, x in enumerate([loud, quiet])
    ]
    album = LoudnessAnalyzer().finish_album(results)
    assert set(album) == {1, 2} and album[2] == album[1]

    # Ground truth: the gating blocks of both tracks, pooled, gated once.
    blocks = []
    for x in (loud, quiet):
        meter = LoudnessMeter(rate, np.array([1.0, 1.0]))
        meter.feed(x)
        blocks.append(meter.report().block_energies)
    pooled = gated_loudness(np.concatenate(blocks))
    assert album[1]["replaygain_album_gain"] == pytest.approx(-18.0 - pooled, abs=0.01)
    # Close to the album played as one file (which adds a few blocks across the join).
    whole = analyse(write_audio(tmp_path / "whole", np.concatenate([loud, quiet]), rate, "flac"))
    assert album[1]["replaygain_album_gain"] == pytest.approx(-18.0 - whole.features["loudness_lufs"], abs=0.1)
    assert album[1]["replaygain_album_peak"] == pytest.approx(10 ** (-12 / 20), rel=1e-3)
    # Not the mean of the track gains: the quiet track falls under the relative gate.
    mean_of_gains = np.mean([r.features["replaygain_track_gain"] for r in results])
    assert abs(album[1]["replaygain_album_gain"] - mean_of_gains) > 3


def test_album_state_is_compact_and_json_able(tmp_path: Path):
    import json

    path = write_audio(tmp_path / "long", sequence(44100, [(-20, 60)]), 44100, "flac")
    state = analyse(path).state
    encoded = json.dumps(state)
    assert len(encoded) < 2000  # 600 gating blocks in a few bins, not 600 floats


def test_silent_file(tmp_path: Path):
    path = write_audio(tmp_path / "silence", np.zeros((44100 * 5, 2), np.float32), 44100, "flac")
    result = analyse(path)
    assert result.features["loudness_lufs"] is None
    assert result.features["replaygain_track_gain"] is None
    assert result.features["true_peak_dbtp"] is None
    assert LoudnessAnalyzer().finish_album([result])[1]["replaygain_album_gain"] is None


def test_plugin_object_provides_the_analyzer():
    assert plugin.name == "loudness" and plugin.version
    (analyzer,) = plugin.register_analyzers()
    assert analyzer.name == "loudness" and analyzer.needs.sample_rate is None


def _ffmpeg_integrated(path: Path) -> float:
    """FFmpeg's ``ebur128`` integrated loudness of what it can decode of ``path``."""
    import re
    import subprocess

    out = subprocess.run(["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
                         capture_output=True, text=True, timeout=120).stderr  # fmt: skip
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", out)[-1])


@pytest.mark.parametrize(("encoding", "fill"), [("flac", b""), ("mp3", b""), ("ogg", b"\x00")])
def test_partly_decodable_file_is_measured_over_what_decodes(tmp_path: Path, encoding: str, fill: bytes):
    import shutil

    from sonantica_core.testing import music

    if not music.available() or shutil.which("ffmpeg") is None:
        pytest.skip("needs fluidsynth, the GM soundfont and ffmpeg")
    piece = music.Arrangement(tonic=2, mode="minor", bpm=104, progression="min_harmonic", seconds=30, seed=7)
    data = music.render(piece, encoding).read_bytes()
    kept = int(len(data) * 0.6)
    broken = tmp_path / f"interrupted.{encoding}"
    broken.write_bytes(data[:kept] + (fill * len(data))[: len(data) - kept])
    result = run_analyzers(broken, 1, [LoudnessAnalyzer()])["loudness"]
    assert isinstance(result, AnalysisResult) and result.extras["partial"].startswith("decoded ")
    assert result.features["loudness_lufs"] == pytest.approx(_ffmpeg_integrated(broken), abs=0.1)
