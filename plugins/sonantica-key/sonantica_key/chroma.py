"""From the tuned spectrogram to treble and bass chroma, segment by segment.

1. **Harmonic part** (median-filtering HPSS, FitzGerald 2010): the median over
   2.6 s of each band is what is sustained, the median over an octave of each
   frame is what is broadband (drums); a soft mask keeps the first.
2. **Segments** of about 3 s are summed, and each sum is explained by NNLS note
   templates (:func:`~sonantica_key.pitch.activations_of_bands`), so overtones are
   credited to the notes that make them.
3. **Chroma**: notes from C3 up fold into the treble chroma, notes E1 to B2 into the
   bass chroma; both are log-compressed, so one loud instrument does not outweigh
   the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from .pitch import LOW_NOTE, RESOLUTION, activations_of_bands

HARMONIC_FRAMES = 7  # ~2.6 s at 0.37 s a frame
PERCUSSIVE_BANDS = 12 * RESOLUTION + 1
SEGMENT_FRAMES = 8  # ~3 s
TREBLE_LOW_NOTE = 48  # C3
BASS_HIGH_NOTE = 48  # up to B2
COMPRESSION = 10.0


@dataclass(frozen=True, slots=True)
class Chromagram:
    """Per-segment chroma (``(segments, 12)``, C first) and how tonal each segment is."""

    treble: np.ndarray
    bass: np.ndarray
    #: Share of each segment's energy in the harmonic part (0..1).
    harmonic_share: np.ndarray


def harmonic_part(spectrogram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The harmonic part of ``(frames, bands)`` magnitudes, and each frame's harmonic share."""
    if len(spectrogram) == 0:
        return spectrogram, np.zeros(0)
    s = spectrogram.astype(np.float32)
    h = median_filter(s, size=(min(HARMONIC_FRAMES, len(s) | 1), 1), mode="nearest")
    p = median_filter(s, size=(1, PERCUSSIVE_BANDS), mode="nearest")
    h2, p2 = h * h, p * p
    mask = h2 / np.maximum(h2 + p2, 1e-12)
    harmonic = s * mask
    share = harmonic.sum(axis=1) / np.maximum(s.sum(axis=1), 1e-12)
    return harmonic, share


def chromagram(spectrogram: np.ndarray) -> Chromagram:
    """Treble and bass chroma of each ~3 s segment of a tuned spectrogram."""
    harmonic, share = harmonic_part(spectrogram)
    count = max(1, int(np.ceil(len(harmonic) / SEGMENT_FRAMES)))
    treble = np.zeros((count, 12))
    bass = np.zeros((count, 12))
    shares = np.zeros(count)
    for k in range(count):
        part = harmonic[k * SEGMENT_FRAMES : (k + 1) * SEGMENT_FRAMES]
        if len(part) == 0:
            continue
        notes = activations_of_bands(part.sum(axis=0).astype(np.float64))
        for i, value in enumerate(notes):
            note = LOW_NOTE + i
            if note >= TREBLE_LOW_NOTE:
                treble[k, note % 12] += value
            if note < BASS_HIGH_NOTE:
                bass[k, note % 12] += value
        shares[k] = float(np.mean(share[k * SEGMENT_FRAMES : (k + 1) * SEGMENT_FRAMES]))
    return Chromagram(compress(treble), compress(bass), shares)


def compress(chroma: np.ndarray) -> np.ndarray:
    """``log(1 + C x / max)`` per segment: 0..log(1 + C)."""
    peak = chroma.max(axis=1, keepdims=True)
    return np.log1p(COMPRESSION * chroma / np.where(peak > 0, peak, 1.0))
