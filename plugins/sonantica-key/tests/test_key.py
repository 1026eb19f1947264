"""Key and mode of generated chord progressions in known major and minor keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sonantica_key import KeyAnalyzer
from sonantica_key.plugin import plugin
from sonantica_key.profiles import camelot, key_name

from sonantica_core.analysis import run_analyzers
from sonantica_core.analysis.derive import StreamResampler
from sonantica_core.contract import FEATURE_COLUMNS, AnalysisResult, AudioInfo
from sonantica_core.testing.signals import PROGRESSIONS, chord_progression, drum_loop, song, write_audio

RATE = 22050
#: Three tonics per progression, spread over the circle of fifths.
CASES = [
    (prog, tonic) for i, prog in enumerate(PROGRESSIONS) for tonic in ((i * 5) % 12, (i * 5 + 4) % 12, (i * 5 + 9) % 12)
]


def key_of(x: np.ndarray, rate: int = RATE) -> AnalysisResult:
    resampler = StreamResampler(rate, 11025, "mono")
    y = np.concatenate([resampler.process(x[:, None]), resampler.flush()])
    session = KeyAnalyzer().start(AudioInfo(1, Path("x"), rate, 1, "mono", None, 11025, 1))
    for i in range(0, len(y), 11025 * 5):
        session.feed(y[i : i + 11025 * 5])
    return session.finish()


def expected(prog: str, tonic: int) -> tuple[str, str]:
    mode = PROGRESSIONS[prog][0]
    return key_name(tonic, mode), mode


@pytest.mark.parametrize(("prog", "tonic"), CASES)
def test_chord_progressions(prog: str, tonic: int):
    f = key_of(chord_progression(tonic, prog, 24, RATE)).features
    assert (f["key"], f["mode"]) == expected(prog, tonic)
    assert f["camelot_key"] == camelot(tonic, f["mode"])


@pytest.mark.parametrize(("prog", "tonic"), CASES)
def test_progressions_with_drums(prog: str, tonic: int):
    bpm = 80 + 7 * tonic
    f = key_of(song(bpm, tonic, prog, 30, RATE, ("rock", "four_on_the_floor", "busy")[tonic % 3], seed=tonic)).features
    assert (f["key"], f["mode"]) == expected(prog, tonic)


@pytest.mark.parametrize("cents", [-45, -20, 25, 40])
def test_detuned_recordings(cents: int):
    # Played back 'rate' claims a different rate: every pitch moves by `cents`.
    claimed = round(RATE * 2 ** (cents / 1200))
    result = key_of(chord_progression(9, "minor_i_iv_V_i", 24, RATE), rate=claimed)
    assert (result.features["key"], result.features["mode"]) == ("A", "minor")
    assert float(result.extras["tuning_cents"]) == pytest.approx(cents, abs=5)


def test_camelot_wheel():
    assert camelot(9, "minor") == "8A" and camelot(0, "major") == "8B"
    assert camelot(8, "minor") == "1A" and camelot(11, "major") == "1B"
    assert camelot(4, "minor") == "9A" and camelot(7, "major") == "9B"
    # Relative keys share a number.
    for tonic in range(12):
        assert camelot(tonic, "major")[:-1] == camelot((tonic + 9) % 12, "minor")[:-1]


def test_no_pitch_no_key():
    assert key_of(np.zeros(RATE * 10, np.float32)).features["key"] is None
    drums = key_of(drum_loop(120, 15, RATE)).features
    assert drums["key"] is None or drums["key_confidence"] < 0.8


def test_through_the_pipeline_from_opus(tmp_path: Path):
    x = song(100, 4, "minor_i_VI_VII_i", 30, 44100, "rock")
    path = write_audio(tmp_path / "song", np.stack([x, x], 1), 44100, "opus")
    result = run_analyzers(path, 3, [KeyAnalyzer()])["key"]
    assert set(result.features) <= FEATURE_COLUMNS
    assert (result.features["key"], result.features["mode"], result.features["camelot_key"]) == ("E", "minor", "9A")
    assert 0 < result.features["key_confidence"] <= 1


def test_plugin_object_provides_the_analyzer():
    (analyzer,) = plugin.register_analyzers()
    assert plugin.name == "key" and analyzer.name == "key" and analyzer.needs.sample_rate == 11025
