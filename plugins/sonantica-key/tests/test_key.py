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
    result = key_of(song(bpm, tonic, prog, 30, RATE, ("rock", "four_on_the_floor", "busy")[tonic % 3], seed=tonic))
    f = result.features
    if (f["key"], f["mode"]) != expected(prog, tonic):
        # A bare I-vi-IV-V loop over a drum machine is as much vi-IV-V-I: the relative
        # minor may win, but then the stated key must be the runner-up.
        relative = (tonic + 9) % 12 if f["mode"] == "minor" else (tonic + 3) % 12
        assert f["key"] == key_name(relative, str(f["mode"])), f
        assert result.extras["key_runner_up"] == " ".join(expected(prog, tonic))


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


def _rendered(**kwargs: object) -> Path:
    from sonantica_core.testing import music

    if not music.available():
        pytest.skip("needs fluidsynth and the GM soundfont")
    return music.render(music.Arrangement(**kwargs), "flac")  # type: ignore[arg-type]


@pytest.mark.parametrize(("tonic", "progression", "metre"), [(9, "min_harmonic", "4/4"), (2, "min_andalusian", "3/4"),
                                                             (7, "min_dominant", "6/8")])  # fmt: skip
def test_minor_arrangement_with_a_major_dominant_reads_minor(tonic: int, progression: str, metre: str):
    # The harmonic-minor V (a major chord, the leading tone) must not turn the key major.
    path = _rendered(tonic=tonic, mode="minor", bpm=100, metre=metre, progression=progression, seconds=30, seed=tonic)
    f = run_analyzers(path, 1, [KeyAnalyzer()])["key"].features
    assert (f["key"], f["mode"]) == (key_name(tonic, "minor"), "minor")


def test_noise_and_drums_alone_get_no_key(tmp_path: Path):
    noise = (np.random.default_rng(4).standard_normal(RATE * 20) * 0.2).astype(np.float32)
    assert key_of(noise).features["key"] is None
    drums = _rendered(tonic=0, mode="major", bpm=120, tonal=False, seconds=20)
    assert run_analyzers(drums, 1, [KeyAnalyzer()])["key"].features["key"] is None
