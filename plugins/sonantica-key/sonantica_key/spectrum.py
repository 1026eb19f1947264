"""Streaming log-frequency spectrogram for key detection.

Frames of about 0.74 s (8192 samples at 11025 Hz, 1.35 Hz per bin) every 0.37 s.
Each magnitude spectrum is

* summed over the track (linear, for the tuning estimate), and
* read on a fine pitch grid, five points a semitone from D#1 to F7 (band maximum
  where a band spans bins, interpolation where it is narrower than a bin), and kept
  as float32 for at most ``max_seconds`` (365 values a frame: 7 MB for 30 minutes).

At the end the fine grid is shifted by the estimated tuning onto a third-of-a-semitone
grid (:meth:`SpectrumAccumulator.tuned`), so the rest never meets detuned records.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from sonantica_core.analysis.framing import Framer

from .pitch import HIGH_NOTE, LOW_NOTE, RESOLUTION, estimate_tuning, midi_to_hz

FRAME_SECONDS = 0.743
FINE = 5  # grid points a semitone
#: The fine grid reaches a semitone beyond the notes, so a shift of up to ±0.5 stays inside it.
FINE_LOW = LOW_NOTE - 1
FINE_HIGH = HIGH_NOTE + 1


class SpectrumAccumulator:
    """Sums spectra of a mono stream and keeps each frame on a fine pitch grid."""

    def __init__(self, rate: int, max_seconds: float = 1800.0) -> None:
        self.rate = rate
        self.n_fft = int(2 ** round(np.log2(rate * FRAME_SECONDS)))
        self.hop = self.n_fft // 2
        self.freqs = np.fft.rfftfreq(self.n_fft, 1.0 / rate)
        self._framer = Framer(self.n_fft, self.hop)
        self._window = np.hanning(self.n_fft).astype(np.float32)
        self.total = np.zeros(len(self.freqs))
        self.frames = 0
        self.frame_seconds = self.hop / rate
        pitches = np.arange(FINE_LOW * FINE, FINE_HIGH * FINE + 1) / FINE
        centres = midi_to_hz(pitches)
        half = 2.0 ** (0.5 / (12 * FINE))
        self._edges = np.searchsorted(self.freqs, centres / half)
        hi = np.searchsorted(self.freqs, centres * half)
        self._narrow = hi <= self._edges + 1
        position = centres / (self.freqs[1] - self.freqs[0])
        self._i0 = np.minimum(np.floor(position).astype(int), len(self.freqs) - 2)
        self._frac = (position - self._i0).astype(np.float32)
        self._kept: list[np.ndarray] = []
        self._max_frames = int(max_seconds * rate / self.hop)
        self._kept_frames = 0

    def feed(self, samples: np.ndarray) -> None:
        """Take the next mono samples."""
        frames = self._framer.push(samples)
        if len(frames) == 0:
            return
        magnitude = np.abs(scipy.fft.rfft(frames * self._window, axis=1, workers=1))
        self.total += magnitude.sum(axis=0)
        self.frames += len(magnitude)
        room = self._max_frames - self._kept_frames
        if room <= 0:
            return
        magnitude = magnitude[:room]
        banded = np.maximum.reduceat(magnitude, self._edges, axis=1)
        between = magnitude[:, self._i0] * (1 - self._frac) + magnitude[:, self._i0 + 1] * self._frac
        fine = np.where(self._narrow, between, banded).astype(np.float32)
        self._kept.append(fine)
        self._kept_frames += len(fine)

    def tuning(self) -> float:
        """The music's deviation from A4 = 440 Hz, in semitones."""
        return estimate_tuning(self.total, self.freqs)

    def tuned(self, tuning: float) -> np.ndarray:
        """``(frames, bands)`` spectrogram on the third-of-a-semitone grid LOW_NOTE..HIGH_NOTE, tuned."""
        bands = (HIGH_NOTE - LOW_NOTE) * RESOLUTION + 1
        if not self._kept:
            return np.zeros((0, bands), dtype=np.float32)
        fine = np.concatenate(self._kept)
        target = (LOW_NOTE + np.arange(bands) / RESOLUTION + tuning - FINE_LOW) * FINE
        i0 = np.clip(np.floor(target).astype(int), 0, fine.shape[1] - 2)
        frac = (target - i0).astype(np.float32)
        return fine[:, i0] * (1 - frac) + fine[:, i0 + 1] * frac
