"""Descriptors separate generated contrasts in the stated direction.

A sparse, quiet piano-like line against a dense, loud drum-and-synth piece; a speech-like
signal (voiced syllables at about 4 a second, with pauses) against sustained chords.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sonantica_descriptors import DescriptorAnalyzer
from sonantica_descriptors.analyzer import NAMES
from sonantica_descriptors.plugin import plugin

from sonantica_core.contract import FEATURE_COLUMNS, AnalysisResult, AudioInfo
from sonantica_core.testing.signals import chord_progression, drum_loop, melody

RATE = 11025
SECONDS = 30


def describe(x: np.ndarray) -> AnalysisResult:
    session = DescriptorAnalyzer().start(AudioInfo(1, Path("x"), RATE, 1, "mono", None, RATE, 1))
    for i in range(0, len(x), RATE * 3):
        session.feed(x[i : i + RATE * 3, None].astype(np.float32))
    return session.finish()


def sparse_quiet_piano() -> np.ndarray:
    line = melody(0, SECONDS, RATE, seed=3, note_seconds=1.2)
    gate = (np.arange(len(line)) // int(RATE * 1.2)) % 2 == 0  # a note, then a rest
    return (line * gate * 0.15).astype(np.float32)


def dense_loud_drums_and_synth() -> np.ndarray:
    t = np.arange(RATE * SECONDS) / RATE
    drums = drum_loop(128, SECONDS, RATE, "four_on_the_floor", seed=1)[: len(t)]
    saw = sum(2 * ((f * t) % 1.0) - 1 for f in (110.0, 164.8, 220.0, 329.6))
    noise = np.random.default_rng(2).standard_normal(len(t)) * 0.3
    x = drums * 1.5 + 0.25 * saw + noise * (np.sin(2 * np.pi * 2.133 * t) > 0)
    return (0.95 * x / np.max(np.abs(x))).astype(np.float32)


def speech_like() -> np.ndarray:
    rng = np.random.default_rng(5)
    out = np.zeros(RATE * (SECONDS + 2))
    position = 0
    while position < RATE * (SECONDS - 1):
        for _ in range(rng.integers(3, 8)):  # a phrase of syllables
            length = int(RATE * rng.uniform(0.12, 0.22))
            f0 = rng.uniform(100, 160)
            t = np.arange(length) / RATE
            voiced = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 15))
            out[position : position + length] += voiced * np.hanning(length)
            position += length + int(RATE * rng.uniform(0.04, 0.1))
        position += int(RATE * rng.uniform(0.3, 0.7))  # a pause between phrases
    out = out[: RATE * SECONDS]
    return (0.5 * out / np.max(np.abs(out))).astype(np.float32)


def sustained_chords() -> np.ndarray:
    return chord_progression(7, "major_I_V_vi_IV", SECONDS, RATE, chord_seconds=2.0).astype(np.float32)


@pytest.fixture(scope="module")
def found() -> dict[str, dict]:
    signals = {"piano": sparse_quiet_piano(), "dense": dense_loud_drums_and_synth(),
               "speech": speech_like(), "chords": sustained_chords()}
    return {name: describe(x).features for name, x in signals.items()}


def test_loud_dense_against_quiet_sparse(found) -> None:
    piano, dense = found["piano"], found["dense"]
    assert dense["energy"] > piano["energy"] + 0.3, (dense, piano)
    assert dense["danceability"] > piano["danceability"] + 0.2
    assert piano["acoustic"] > dense["acoustic"] + 0.3
    assert piano["tonal"] > dense["tonal"]
    assert piano["mood_relaxed"] > dense["mood_relaxed"] + 0.2
    assert dense["mood_aggressive"] > piano["mood_aggressive"] + 0.2
    assert dense["mood_party"] > piano["mood_party"]


def test_speech_against_instrumental(found) -> None:
    assert found["chords"]["instrumental"] > found["speech"]["instrumental"] + 0.3, (found["chords"], found["speech"])
    assert found["chords"]["tonal"] > found["speech"]["tonal"]


def test_every_value_is_a_feature_column_in_range_with_a_confidence() -> None:
    result = describe(sustained_chords())
    assert set(result.features) == set(NAMES) and set(NAMES) <= FEATURE_COLUMNS
    assert all(0.0 <= v <= 1.0 for v in result.features.values())
    assert {f"confidence.{n}" for n in NAMES} == set(result.extras)
    assert all(0 < float(v) <= 1 for v in result.extras.values())


def test_silence_and_very_short_audio_get_none() -> None:
    assert all(v is None for v in describe(np.zeros(RATE * 10)).features.values())
    assert all(v is None for v in describe(sustained_chords()[: RATE * 2]).features.values())
    short = describe(sustained_chords()[: RATE * 6])  # short: found, with less confidence
    assert float(short.extras["confidence.tonal"]) < float(describe(sustained_chords()).extras["confidence.tonal"])


def test_the_plugin_registers_the_analyzer() -> None:
    (analyzer,) = plugin.register_analyzers(None)
    assert analyzer.name == "descriptors" and analyzer.needs.sample_rate == RATE and analyzer.needs.mono


def test_through_the_shared_decode_from_flac(tmp_path: Path) -> None:
    from sonantica_core.analysis import run_analyzers
    from sonantica_core.testing.signals import song, write_audio

    x = song(124, 2, "major_I_V_vi_IV", 25, 44100, "four_on_the_floor")
    path = write_audio(tmp_path / "song", np.stack([x, x], 1), 44100, "flac")
    result = run_analyzers(path, 5, [DescriptorAnalyzer()])["descriptors"]
    assert set(result.features) == set(NAMES)
    assert result.features["danceability"] > 0.5 and result.features["tonal"] > 0.5
