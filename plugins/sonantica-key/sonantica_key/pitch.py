"""From a summed spectrum to tuning, note activations and chroma.

* **Tuning** is the weighted circular mean of how far the spectral peaks between
  150 Hz and 3 kHz lie from equal-tempered pitches (A4 = 440 Hz), so a record
  tuned 30 cents sharp is folded onto the right notes.
* **Note activations** follow NNLS Chroma (Mauch & Dixon, 2010): the spectrum is
  resampled to a third of a semitone, standardised over a sliding octave, and
  explained as a non-negative sum of note templates with 8 decaying harmonics.
  Overtones are attributed to the notes that make them, so the fifth harmonic of
  A (a C#) does not turn A minor into A major.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.optimize import nnls

LOW_NOTE = 28  # E1
HIGH_NOTE = 100  # E7
RESOLUTION = 3  # bins per semitone
PARTIALS = 8
PARTIAL_DECAY = 0.7


def midi_to_hz(note: np.ndarray | float, tuning: float = 0.0) -> np.ndarray | float:
    """Frequency of a (fractional) MIDI note, ``tuning`` in semitones."""
    return 440.0 * 2.0 ** ((np.asarray(note) - 69.0 + tuning) / 12.0)


def estimate_tuning(spectrum: np.ndarray, freqs: np.ndarray) -> float:
    """Deviation of the music's tuning from A4 = 440 Hz, in semitones (-0.5..0.5)."""
    i = np.arange(1, len(spectrum) - 1)
    s = spectrum
    peak = (s[i] > s[i - 1]) & (s[i] >= s[i + 1]) & (freqs[i] > 150.0) & (freqs[i] < 3000.0)
    i = i[peak]
    if len(i) == 0:
        return 0.0
    a, b, c = (np.log(s[j] + 1e-12) for j in (i - 1, i, i + 1))
    denominator = a - 2 * b + c
    shift = np.where(denominator < 0, 0.5 * (a - c) / np.where(denominator < 0, denominator, -1.0), 0.0)
    bin_hz = freqs[1] - freqs[0]
    semitones = 12.0 * np.log2((freqs[i] + shift * bin_hz) / 440.0)
    deviation = semitones - np.round(semitones)
    weights = s[i] ** 2
    angle = np.angle(np.sum(weights * np.exp(2j * np.pi * deviation)))
    return float(angle / (2 * np.pi))


def standardise(x: np.ndarray) -> np.ndarray:
    """Subtract the running mean over an octave, divide by the running deviation, clip at 0."""
    width = 12 * RESOLUTION
    mean = uniform_filter1d(x, width, mode="nearest")
    var = uniform_filter1d(x * x, width, mode="nearest") - mean * mean
    return np.maximum((x - mean) / np.sqrt(np.maximum(var, 1e-12)), 0.0)


@lru_cache(maxsize=1)
def note_dictionary() -> np.ndarray:
    """``(bands, notes)`` templates: each note's harmonics on the third-of-a-semitone grid."""
    notes = np.arange(LOW_NOTE, HIGH_NOTE + 1)
    bands = (HIGH_NOTE - LOW_NOTE) * RESOLUTION + 1
    dictionary = np.zeros((bands, len(notes)))
    for j, note in enumerate(notes):
        for k in range(1, PARTIALS + 1):
            position = (note + 12.0 * np.log2(k) - LOW_NOTE) * RESOLUTION
            i0 = int(np.floor(position))
            frac = position - i0
            amplitude = PARTIAL_DECAY ** (k - 1)
            if 0 <= i0 < bands:
                dictionary[i0, j] += amplitude * (1 - frac)
            if 0 <= i0 + 1 < bands:
                dictionary[i0 + 1, j] += amplitude * frac
    return dictionary


def activations_of_bands(bands: np.ndarray) -> np.ndarray:
    """Activation of each note explaining a third-of-a-semitone spectrum (LOW_NOTE..HIGH_NOTE)."""
    standard = standardise(bands)
    if not standard.any():
        return np.zeros(HIGH_NOTE - LOW_NOTE + 1)
    activations, _ = nnls(note_dictionary(), standard, maxiter=2000)
    return activations


