"""The bass line over time, and the cadences it makes.

For each 0.37 s frame the strongest bass pitch class (C2 to B3) is taken;
runs of at least two frames form bass notes, and the changes from one bass
note to the next are counted. Music resolves to its tonic: V -> I (and IV -> I)
in major, V -> i, VII -> i and iv -> i in minor. That separates a key from its
relative major or minor, which share every pitch class.
"""

from __future__ import annotations

import itertools

import numpy as np

from .pitch import midi_to_hz

BASS_LOW_NOTE = 36  # C2
BASS_HIGH_NOTE = 60  # C4 (exclusive)
MIN_RUN_FRAMES = 2


def bass_pitch_classes(frames: np.ndarray, freqs: np.ndarray, tuning: float) -> np.ndarray:
    """Pitch class of the bass in each frame, -1 where the bass is weak."""
    if len(frames) == 0:
        return np.zeros(0, dtype=int)
    notes = np.arange(BASS_LOW_NOTE, BASS_HIGH_NOTE)
    centres = midi_to_hz(notes, tuning)
    half = 2.0 ** (0.5 / 12.0)
    lo = np.searchsorted(freqs, centres / half)
    hi = np.maximum(np.searchsorted(freqs, centres * half), lo + 1)
    energy = np.zeros((len(frames), 12))
    for note, a, b in zip(notes, lo, hi, strict=True):
        if a < frames.shape[1]:
            energy[:, note % 12] += frames[:, a : min(b, frames.shape[1])].max(axis=1)
    strength = energy.max(axis=1)
    audible = strength[strength > 0]
    if len(audible) == 0:
        return np.full(len(frames), -1)
    classes = energy.argmax(axis=1)
    classes[strength < 0.2 * np.median(audible)] = -1
    return classes


def bass_transitions(classes: np.ndarray) -> np.ndarray:
    """``(12, 12)`` counts of changes from one bass note to the next."""
    runs: list[list[int]] = []
    for value in classes:
        if value < 0:
            continue
        if runs and runs[-1][0] == value:
            runs[-1][1] += 1
        else:
            runs.append([int(value), 1])
    notes = [value for value, length in runs if length >= MIN_RUN_FRAMES]
    counts = np.zeros((12, 12))
    for a, b in itertools.pairwise(notes):
        if a != b:
            counts[a, b] += 1
    return counts


def cadence_share(transitions: np.ndarray, tonic: int, mode: str) -> float:
    """Share of bass changes that resolve to ``tonic`` the way ``mode`` does."""
    total = transitions.sum()
    if total == 0:
        return 0.0
    dominant = transitions[(tonic + 7) % 12, tonic]
    subdominant = transitions[(tonic + 5) % 12, tonic]
    if mode == "major":
        value = dominant + 0.5 * subdominant
    else:
        value = dominant + 0.5 * subdominant + 0.5 * transitions[(tonic + 10) % 12, tonic]
    return float(value / total)
