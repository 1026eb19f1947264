"""Tempo of generated drum patterns at known tempi, 70 to 180 BPM, without octave errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sonantica_tempo import TempoAnalyzer
from sonantica_tempo.plugin import plugin

from sonantica_core.analysis import run_analyzers
from sonantica_core.analysis.derive import StreamResampler
from sonantica_core.contract import FEATURE_COLUMNS, AnalysisResult, AudioInfo
from sonantica_core.testing.signals import chord_progression, drum_loop, song, write_audio

RATE = 22050
TEMPI = [70, 74, 79, 85, 91, 98, 104, 111, 118, 124, 128, 133, 140, 147, 155, 162, 168, 174, 180]


def tempo_of(x: np.ndarray, rate: int = RATE) -> AnalysisResult:
    """Run the analyzer on mono samples (resampled as the pipeline would)."""
    resampler = StreamResampler(rate, 11025, "mono")
    y = np.concatenate([resampler.process(x[:, None]), resampler.flush()])
    analyzer = TempoAnalyzer()
    session = analyzer.start(AudioInfo(1, Path("x"), rate, 1, "mono", None, 11025, 1))
    for i in range(0, len(y), 11025 * 5):
        session.feed(y[i : i + 11025 * 5])
    return session.finish()


def within(measured: float, bpm: float) -> bool:
    return abs(measured - bpm) <= max(1.0, 0.02 * bpm)


@pytest.mark.parametrize("pattern", ["rock", "four_on_the_floor", "busy"])
@pytest.mark.parametrize("bpm", TEMPI)
def test_drum_patterns(pattern: str, bpm: float):
    features = tempo_of(drum_loop(bpm, 20, RATE, pattern, seed=bpm)).features
    assert within(features["bpm"], bpm), features
    assert features["bpm_confidence"] > 0.5


@pytest.mark.parametrize("bpm", [72.5, 96.3, 127.7, 143.2, 171.9])
def test_fractional_tempi_are_not_quantised(bpm: float):
    # librosa's default grid has steps of ~1 % here; the estimate should be far finer.
    assert tempo_of(drum_loop(bpm, 30, RATE, "rock", seed=3)).features["bpm"] == pytest.approx(bpm, abs=0.15)


@pytest.mark.parametrize(("bpm", "pattern"), [(76, "rock"), (122, "four_on_the_floor"), (176, "busy")])
def test_songs_with_harmony(bpm: float, pattern: str):
    x = song(bpm, 4, "minor_i_VI_VII_i", 30, RATE, pattern, seed=bpm)
    assert within(tempo_of(x).features["bpm"], bpm)


def test_no_onsets_no_tempo():
    t = np.arange(RATE * 20) / RATE
    drone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    assert tempo_of(drone).features["bpm"] is None
    assert tempo_of(np.zeros(RATE * 20, np.float32)).features["bpm"] is None
    assert tempo_of(drum_loop(120, 3, RATE)).features["bpm"] is None  # too short to say


def test_noise_has_low_confidence():
    noise = (np.random.default_rng(1).standard_normal(RATE * 20) * 0.2).astype(np.float32)
    result = tempo_of(noise).features
    assert result["bpm_confidence"] is not None and result["bpm_confidence"] < 0.3
    chords = chord_progression(0, "major_I_IV_V_I", 20, RATE)
    assert (tempo_of(chords).features["bpm_confidence"] or 0) < 0.5


def test_through_the_pipeline_from_mp3(tmp_path: Path):
    x = song(137, 2, "major_I_V_vi_IV", 25, 44100, "four_on_the_floor")
    path = write_audio(tmp_path / "song", np.stack([x, x], 1), 44100, "mp3")
    result = run_analyzers(path, 5, [TempoAnalyzer()])["tempo"]
    assert set(result.features) <= FEATURE_COLUMNS
    assert within(result.features["bpm"], 137)


def test_plugin_object_provides_the_analyzer():
    (analyzer,) = plugin.register_analyzers()
    assert plugin.name == "tempo" and analyzer.needs.sample_rate == 11025 and analyzer.needs.mono


@pytest.mark.parametrize(("bpm", "metre", "swing"), [(72.0, "6/8", False), (96.0, "6/8", False), (84.0, "4/4", True)])
def test_rendered_arrangements_read_their_felt_beat(bpm: float, metre: str, swing: bool):
    # 6/8 reads the dotted quarter (two beats a bar), never the eighth or two-thirds of it.
    from sonantica_core.testing import music

    if not music.available():
        pytest.skip("needs fluidsynth and the GM soundfont")
    piece = music.Arrangement(tonic=7, mode="major", bpm=bpm, metre=metre, swing=swing,
                              progression="maj_cadence", seconds=24, seed=int(bpm))  # fmt: skip
    result = run_analyzers(music.render(piece, "flac"), 1, [TempoAnalyzer()])["tempo"]
    assert within(result.features["bpm"], bpm), result.features
