"""Generated music in families: same instrumentation and tempo within a family, not across.

Members of a family differ in key, progression and random seed; families differ in what
plays and how fast. Used by the plugin's tests and the similarity benchmark.
"""

from __future__ import annotations

import numpy as np

from sonantica_core.testing.signals import chord_progression, drum_loop, melody

RATE = 11025
SECONDS = 20


def _saw_bass(tonic: int, bpm: float, seconds: float, rate: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    step = 60.0 / bpm / 2
    notes = 36 + tonic + np.array([0, 0, 7, 5, 0, 3, 7, 10])[rng.permutation(8)]
    freq = 440.0 * 2 ** ((notes[(t / step).astype(int) % 8] - 69) / 12)
    phase = np.cumsum(freq) / rate
    gate = ((t / step) % 1.0) < 0.7
    return (2 * (phase % 1.0) - 1) * gate


def rock(tonic: int, seed: int) -> np.ndarray:
    """Drums (rock pattern) at 96 BPM under block chords."""
    bpm = 96.0
    chords = chord_progression(tonic, ["major_I_IV_V_I", "major_I_vi_IV_V", "major_I_V_vi_IV"][seed % 3], SECONDS,
                               RATE, chord_seconds=4 * 60 / bpm)
    return (0.6 * chords + 0.8 * drum_loop(bpm, SECONDS, RATE, "rock", seed)).astype(np.float32)


def club(tonic: int, seed: int) -> np.ndarray:
    """Four-on-the-floor drums at 128 BPM with a sawtooth bass line."""
    bpm = 128.0
    drums = drum_loop(bpm, SECONDS, RATE, "four_on_the_floor", seed)
    x = 0.9 * drums + 0.25 * _saw_bass(tonic, bpm, SECONDS, RATE, seed)
    return (0.9 * x / np.max(np.abs(x))).astype(np.float32)


def piano(tonic: int, seed: int) -> np.ndarray:
    """A slow, sparse melody over soft chords, no drums."""
    line = melody(tonic, SECONDS, RATE, seed=seed, note_seconds=0.9)
    chords = chord_progression(tonic, "major_I_IV_V_I", SECONDS, RATE, chord_seconds=3.6)
    return (0.5 * line + 0.25 * chords).astype(np.float32)


FAMILIES = {"rock": rock, "club": club, "piano": piano}
#: (tonic, seed) of each family's members: different keys and seeds.
MEMBERS = ((0, 1), (5, 2), (9, 3))
