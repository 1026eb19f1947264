"""Streaming long-window spectra for key detection.

Frames of about 0.74 s (8192 samples at 11025 Hz, 1.35 Hz per bin) every
0.37 s. Each magnitude spectrum is *peak-whitened*: its local mean over nine
bins is subtracted, which keeps the sharp peaks of sustained notes and drops
the broad smear of drums. The whitened spectra are summed over the whole track
(constant memory), and the bass region of each frame is kept (about 150 floats
a frame, for at most ``max_seconds``) to follow the bass line over time.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
from scipy.ndimage import uniform_filter1d

from sonantica_core.analysis.framing import Framer

FRAME_SECONDS = 0.743
BASS_LOW_HZ = 55.0
BASS_HIGH_HZ = 270.0
WHITENING_BINS = 9


class SpectrumAccumulator:
    """Sums peak-whitened spectra of a mono stream and keeps per-frame bass spectra."""

    def __init__(self, rate: int, max_seconds: float = 1800.0) -> None:
        self.rate = rate
        self.n_fft = int(2 ** round(np.log2(rate * FRAME_SECONDS)))
        self.hop = self.n_fft // 2
        self.freqs = np.fft.rfftfreq(self.n_fft, 1.0 / rate)
        self._framer = Framer(self.n_fft, self.hop)
        self._window = np.hanning(self.n_fft).astype(np.float32)
        self.total = np.zeros(len(self.freqs))
        self.frames = 0
        self.bass_slice = slice(
            int(np.searchsorted(self.freqs, BASS_LOW_HZ * 0.97)),
            int(np.searchsorted(self.freqs, BASS_HIGH_HZ * 1.03)),
        )
        self._bass: list[np.ndarray] = []
        self._max_bass_frames = int(max_seconds * rate / self.hop)
        self._bass_frames = 0

    def feed(self, samples: np.ndarray) -> None:
        """Take the next mono samples."""
        frames = self._framer.push(samples)
        if len(frames) == 0:
            return
        magnitude = np.abs(scipy.fft.rfft(frames * self._window, axis=1, workers=1))
        magnitude -= uniform_filter1d(magnitude, WHITENING_BINS, axis=1, mode="nearest")
        np.maximum(magnitude, 0.0, out=magnitude)
        self.total += magnitude.sum(axis=0)
        self.frames += len(magnitude)
        room = self._max_bass_frames - self._bass_frames
        if room > 0:
            kept = magnitude[:room, self.bass_slice].astype(np.float32)
            self._bass.append(kept)
            self._bass_frames += len(kept)

    def bass_frames(self) -> np.ndarray:
        """``(frames, bins)`` bass-region spectra, bins ``freqs[bass_slice]``."""
        if not self._bass:
            return np.zeros((0, self.bass_slice.stop - self.bass_slice.start), dtype=np.float32)
        return np.concatenate(self._bass)
