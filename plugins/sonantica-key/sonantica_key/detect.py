"""Key and mode from the accumulated spectra.

The score of each of the 24 keys is the correlation of the treble chroma with
the key's profile plus ``CADENCE_WEIGHT`` times the share of bass changes that
resolve to its tonic. The profile finds the scale; the cadences decide between
a minor key and its relative major, where profiles alone are close to a tie.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bass import bass_pitch_classes, bass_transitions, cadence_share
from .pitch import estimate_tuning, note_activations, treble_chroma
from .profiles import MAJOR_PROFILE, MINOR_PROFILE

CADENCE_WEIGHT = 0.4


@dataclass(frozen=True, slots=True)
class KeyEstimate:
    tonic: int  # pitch class, 0 = C
    mode: str  # "major" or "minor"
    #: Profile correlation plus cadence term of the best key, clipped to 0..1.
    confidence: float
    #: Score of the best key minus that of the runner-up.
    margin: float
    tuning_cents: float
    chroma: np.ndarray


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denominator) if denominator > 0 else 0.0


def detect_key(
    spectrum: np.ndarray, freqs: np.ndarray, bass_frames: np.ndarray, bass_freqs: np.ndarray
) -> KeyEstimate | None:
    """The key of a summed whitened spectrum and its per-frame bass spectra, or None."""
    if not np.any(spectrum > 0):
        return None
    tuning = estimate_tuning(spectrum, freqs)
    chroma = treble_chroma(note_activations(spectrum, freqs, tuning))
    if chroma.max() <= 0:
        return None
    chroma = chroma / chroma.max()
    transitions = bass_transitions(bass_pitch_classes(bass_frames, bass_freqs, tuning))
    scores = []
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            score = _correlation(chroma, np.roll(profile, tonic))
            score += CADENCE_WEIGHT * cadence_share(transitions, tonic, mode)
            scores.append((score, tonic, mode))
    scores.sort(reverse=True)
    best, runner_up = scores[0], scores[1]
    return KeyEstimate(
        tonic=best[1],
        mode=best[2],
        confidence=float(np.clip(best[0], 0.0, 1.0)),
        margin=float(best[0] - runner_up[0]),
        tuning_cents=100.0 * tuning,
        chroma=chroma,
    )
