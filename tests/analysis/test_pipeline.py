"""The decode-once pipeline: forms, isolation of failures, errors, block handling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from analysis_helpers import Broken, Recorder

from sonantica_core.analysis import AudioDecodeError, PipelineStats, run_analyzers
from sonantica_core.contract import AnalysisResult, AudioNeed
from sonantica_core.testing.signals import write_audio


def test_each_analyzer_gets_its_form(flac_file: Path, stereo_song: np.ndarray):
    native = Recorder("native")
    mono = Recorder("mono", AudioNeed(mono=True))
    low = Recorder("low", AudioNeed(sample_rate=22050, mono=True))
    low_stereo = Recorder("low_stereo", AudioNeed(sample_rate=11025))
    results = run_analyzers(flac_file, 42, [native, mono, low, low_stereo], block_seconds=1.3)

    assert list(results) == ["native", "mono", "low", "low_stereo"]
    for result in results.values():
        assert isinstance(result, AnalysisResult) and result.track_id == 42
    assert native.info.sample_rate == 44100 and native.info.channels == 2
    assert native.info.channel_layout == "stereo" and native.info.native_sample_rate == 44100
    assert native.info.duration == pytest.approx(8.0, abs=0.01)
    # FLAC is lossless: the native form is the generated signal, to 16-bit precision.
    np.testing.assert_allclose(native.audio(), stereo_song, atol=1.5 / 32768)
    np.testing.assert_allclose(mono.audio()[:, 0], stereo_song.mean(axis=1), atol=1.5 / 32768)
    assert (low.info.sample_rate, low.info.channels) == (22050, 1)
    assert (low_stereo.info.sample_rate, low_stereo.info.channels) == (11025, 2)
    assert len(low.audio()) == pytest.approx(8.0 * 22050, abs=2)
    assert len(low_stereo.audio()) == pytest.approx(8.0 * 11025, abs=2)


def test_resampling_is_continuous_across_blocks(tmp_path: Path):
    rate = 44100
    t = np.arange(rate * 6) / rate
    tone = (0.5 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    path = write_audio(tmp_path / "tone", tone, rate, "wav_float")
    outputs = []
    for block_seconds in (0.37, 2.0, 10.0):
        low = Recorder("low", AudioNeed(sample_rate=22050, mono=True))
        run_analyzers(path, 1, [low], block_seconds=block_seconds)
        outputs.append(low.audio()[:, 0])
    # The same samples whatever the block size: no seam where blocks meet.
    for other in outputs[1:]:
        np.testing.assert_allclose(other, outputs[0], atol=1e-6)
    # And they are the tone: compare with an ideal 1 kHz sine fitted to the middle.
    y = outputs[0][22050:-22050]
    n = np.arange(len(y)) / 22050
    basis = np.stack([np.sin(2 * np.pi * 1000 * n), np.cos(2 * np.pi * 1000 * n)], axis=1)
    fit, *_ = np.linalg.lstsq(basis, y, rcond=None)
    assert np.max(np.abs(basis @ fit - y)) < 1e-3
    assert np.hypot(*fit) == pytest.approx(0.5, abs=0.005)


@pytest.mark.parametrize("phase", ["start", "feed", "finish"])
def test_a_failing_analyzer_leaves_the_others(flac_file: Path, phase: str):
    before, after = Recorder("before", keep=False), Recorder("after", AudioNeed(11025, True), keep=False)
    broken = Broken("broken", phase)
    results = run_analyzers(flac_file, 7, [before, broken, after])
    assert isinstance(results["broken"], RuntimeError)
    assert f"failed in {phase}" in "".join(getattr(results["broken"], "__notes__", []))
    for name in ("before", "after"):
        assert isinstance(results[name], AnalysisResult)
    assert before.frames == pytest.approx(8.0 * 44100, abs=1)
    assert after.frames == pytest.approx(8.0 * 11025, abs=2)


def test_finish_returning_the_wrong_type_is_an_error(flac_file: Path):
    class Odd(Recorder):
        def start(self, info):
            session = super().start(info)
            session.finish = lambda: {"bpm": 1}
            return session

    results = run_analyzers(flac_file, 1, [Odd("odd"), Recorder("ok", keep=False)])
    assert isinstance(results["odd"], TypeError)
    assert isinstance(results["ok"], AnalysisResult)


def test_duplicate_names_and_bad_block_size_are_refused(flac_file: Path):
    with pytest.raises(ValueError):
        run_analyzers(flac_file, 1, [Recorder("a"), Recorder("a")])
    with pytest.raises(ValueError):
        run_analyzers(flac_file, 1, [Recorder("a")], block_seconds=0)


def test_blocks_have_the_requested_size(flac_file: Path):
    native = Recorder("native", keep=False)
    stats = PipelineStats()
    run_analyzers(flac_file, 1, [native], block_seconds=0.5, stats=stats)
    sizes = [len(b) for b in native.blocks]
    assert all(size == 22050 for size in sizes[:-1]) and 0 < sizes[-1] <= 22050
    assert stats.decode.frames == sum(sizes) and stats.max_block_frames == 22050
    assert stats.format.codec == "flac" and stats.format.channel_names == ("FL", "FR")


def test_no_analyzers_still_checks_the_file(flac_file: Path, tmp_path: Path):
    assert run_analyzers(flac_file, 1, []) == {}
    bad = tmp_path / "bad.flac"
    bad.write_bytes(b"not audio at all" * 100)
    with pytest.raises(AudioDecodeError):
        run_analyzers(bad, 1, [])


def test_blocks_are_read_only_and_shared_safely(flac_file: Path, stereo_song: np.ndarray):
    class Scribbler(Recorder):
        def start(self, info):
            session = super().start(info)
            session.feed = lambda block: block.fill(0.0)
            return session

    clean = Recorder("clean")
    results = run_analyzers(flac_file, 1, [Scribbler("scribbler"), clean])
    assert isinstance(results["scribbler"], ValueError)  # assignment destination is read-only
    np.testing.assert_allclose(clean.audio(), stereo_song, atol=1.5 / 32768)


def test_an_analyzer_with_a_bad_need_fails_alone(flac_file: Path):
    odd = Recorder("odd")
    odd.needs = "22 kHz please"
    results = run_analyzers(flac_file, 1, [odd, Recorder("fine", keep=False)])
    assert isinstance(results["odd"], Exception)
    assert isinstance(results["fine"], AnalysisResult)
