"""Streaming onset-strength envelopes (log-band spectral flux).

The mono signal is cut into 46 ms Hann frames every 5.8 ms (172 frames per
second at 11025 Hz), its magnitude spectrum is summed into log-spaced bands and
the positive frame-to-frame differences are summed: over all bands after log
compression (the *onset envelope*, which finds every onset, loud or soft), and
over the bands below 3 kHz without compression (the *low envelope*, where kick,
snare and bass live and hi-hats do not, and where a loud onset stays loud).
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.fft

from sonantica_core.analysis.framing import Framer

FRAME_SECONDS = 0.0464
HOP_SECONDS = 0.0058
LOWEST_HZ = 30.0
LOW_BAND_TOP_HZ = 3000.0
BANDS_PER_OCTAVE = 6
COMPRESSION = 1000.0


def _band_matrix(n_fft: int, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """``(bins, bands)`` summing matrix over log-spaced bands, and each band's centre."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    top = rate / 2.0
    edges = LOWEST_HZ * 2.0 ** (np.arange(0, 64) / BANDS_PER_OCTAVE)
    edges = edges[edges < top]
    edges = np.append(edges, top)
    matrix = np.zeros((len(freqs), len(edges) - 1), dtype=np.float32)
    kept = []
    for b, (lo, hi) in enumerate(itertools.pairwise(edges)):
        members = (freqs >= lo) & (freqs < hi)
        if not members.any():  # narrower than a bin: take the nearest bin
            members = np.zeros_like(members)
            members[int(np.argmin(np.abs(freqs - np.sqrt(lo * hi))))] = True
        matrix[members, b] = 1.0
        kept.append(np.sqrt(lo * hi))
    return matrix, np.array(kept)


class OnsetEnvelope:
    """Computes the onset and low envelopes of a mono stream, block by block.

    Keeps at most ``max_seconds`` of envelope (two float32 values per 5.8 ms,
    1.2 MB for 30 minutes); what comes later is ignored.
    """

    def __init__(self, rate: int, max_seconds: float = 1800.0) -> None:
        self.rate = rate
        self.n_fft = int(2 ** round(np.log2(rate * FRAME_SECONDS)))
        self.hop = max(1, round(rate * HOP_SECONDS))
        self.fps = rate / self.hop
        self._framer = Framer(self.n_fft, self.hop)
        self._window = np.hanning(self.n_fft).astype(np.float32)
        self._bands, centres = _band_matrix(self.n_fft, rate)
        self._low = centres < LOW_BAND_TOP_HZ
        self._previous: np.ndarray | None = None
        self._max_frames = int(max_seconds * self.fps)
        self._frames = 0
        self._onset: list[np.ndarray] = []
        self._low_onset: list[np.ndarray] = []

    @property
    def full(self) -> bool:
        """True once ``max_seconds`` of envelope are held."""
        return self._frames >= self._max_frames

    def feed(self, samples: np.ndarray) -> None:
        """Take the next mono samples."""
        if self.full:
            return
        frames = self._framer.push(samples)
        if len(frames) == 0:
            return
        frames = frames[: self._max_frames - self._frames]
        spectrum = np.abs(scipy.fft.rfft(frames * self._window, axis=1, workers=1))
        linear = spectrum @ self._bands
        bands = np.concatenate((np.log1p(COMPRESSION * linear), linear[:, self._low]), axis=1)
        if self._previous is None:
            self._previous = bands[0]
        flux = np.diff(bands, axis=0, prepend=self._previous[None, :])
        np.maximum(flux, 0.0, out=flux)
        self._previous = bands[-1]
        split = linear.shape[1]
        self._onset.append(flux[:, :split].sum(axis=1, dtype=np.float32))
        self._low_onset.append(flux[:, split:].sum(axis=1, dtype=np.float32))
        self._frames += len(frames)

    def envelopes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(onset, low)`` envelopes so far, at :attr:`fps` values per second."""
        if not self._onset:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        return np.concatenate(self._onset), np.concatenate(self._low_onset)
