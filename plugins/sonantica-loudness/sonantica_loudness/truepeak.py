"""True-peak level per ITU-R BS.1770-4 Annex 2, streaming and cheap.

The signal is oversampled 4x (2x from 96 kHz, not at all from 192 kHz, as
libebur128 does) and the largest absolute value of the oversampled signal is
the true peak.

The Annex's 48-tap interpolator is informative and over-reads by up to 0.22 dB
below fs/4 (it passes Tech 3341 only at the edge of +0.2 dB). This meter uses a
Kaiser-windowed sinc of 24 taps per phase (phase 0 is the samples themselves) instead: within 0.002 dB of the exact
peak of a sine up to fs/4 and within 0.35 dB up to 0.42 fs.

Computing every oversampled value is the expensive way. Each interpolated value
is a weighted sum of 25 neighbouring samples, so it can never exceed the largest
of them times the sum of the absolute weights. Segments whose bound is below the
peak found so far cannot hold a new peak and are skipped, loudest visited first:
the result is exact, and on dynamic music only part of the signal is interpolated.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import firwin

#: Samples each interpolated value is computed from.
TAPS = 25
_CUTOFF = 0.97  # of the original Nyquist frequency
_KAISER_BETA = 8.0
#: Output samples per segment examined at once.
SEGMENT = 4096


def oversampling_for(sample_rate: int) -> int:
    """The oversampling factor used at ``sample_rate``."""
    if sample_rate < 96000:
        return 4
    if sample_rate < 192000:
        return 2
    return 1


def phases_for(sample_rate: int) -> np.ndarray:
    """Interpolation phases ``(factor, TAPS)`` for a rate (empty from 192 kHz).

    Phase ``p`` gives the oversampled values at ``p / factor`` of a sample: the
    prototype has odd length, so phase 0 is the original samples and the grid
    holds the midpoints between samples.
    """
    factor = oversampling_for(sample_rate)
    if factor == 1:
        return np.zeros((0, TAPS))
    length = factor * (TAPS - 1) + 1
    prototype = firwin(length, _CUTOFF / factor, window=("kaiser", _KAISER_BETA)) * factor
    padded = np.zeros(factor * TAPS)
    padded[:length] = prototype
    return np.ascontiguousarray(padded.reshape(TAPS, factor).T)


class TruePeakMeter:
    """Largest absolute value of the oversampled signal, fed block by block."""

    def __init__(self, sample_rate: int, channels: int) -> None:
        self.channels = channels
        phases = phases_for(sample_rate)
        self._oversampling = len(phases) > 0
        #: ``kernel[k, p]``: weight of the k-th sample of a window for phase p.
        self._kernel = np.ascontiguousarray(phases[:, ::-1].T, dtype=np.float32)
        self._bound = float(np.abs(phases).sum(axis=1).max()) if len(phases) else 1.0
        self._tail = np.zeros((channels, TAPS - 1), dtype=np.float32)
        self._tail_max = np.zeros(TAPS - 1, dtype=np.float32)
        self.peak = 0.0
        #: Segments interpolated and segments seen (for benchmarks).
        self.segments_done = 0
        self.segments_seen = 0

    def feed(self, channels_first: np.ndarray, frame_max: np.ndarray) -> None:
        """Take a ``(channels, frames)`` float32 block and its per-frame maximum of ``abs``."""
        if channels_first.shape[1] == 0:
            return
        if not self._oversampling:
            self.peak = max(self.peak, float(frame_max.max()))
            return
        buffer = np.concatenate((self._tail, channels_first), axis=1)
        amplitude = np.concatenate((self._tail_max, frame_max))
        self._tail = buffer[:, -(TAPS - 1) :].copy()
        self._tail_max = amplitude[-(TAPS - 1) :].copy()
        self._scan(buffer, amplitude)

    def _scan(self, buffer: np.ndarray, amplitude: np.ndarray) -> None:
        outputs = buffer.shape[1] - TAPS + 1  # output j reads buffer[:, j : j + TAPS]
        segments = -(-outputs // SEGMENT)
        padded = np.zeros((segments + 1) * SEGMENT, dtype=np.float32)
        padded[: len(amplitude)] = amplitude
        chunk_max = padded.reshape(-1, SEGMENT).max(axis=1)
        # Segment s reads buffer[:, s*SEGMENT : s*SEGMENT + SEGMENT + TAPS - 1]: chunks s and s+1.
        bounds = np.maximum(chunk_max[:-1], chunk_max[1:]) * self._bound
        self.segments_seen += segments
        for s in np.argsort(bounds)[::-1]:
            if bounds[s] <= self.peak:
                break
            start = s * SEGMENT
            stop = min(outputs, start + SEGMENT) + TAPS - 1
            for row in buffer[:, start:stop]:
                values = sliding_window_view(row, TAPS) @ self._kernel  # (outputs, phases)
                self.peak = max(self.peak, float(np.abs(values).max()))
            self.segments_done += 1

    def flush(self) -> None:
        """Interpolate past the last sample (call once, after the last block)."""
        if self._oversampling:
            zeros = np.zeros((self.channels, TAPS - 1), dtype=np.float32)
            self.feed(zeros, np.zeros(TAPS - 1, dtype=np.float32))
