"""Per-frame measures of mono audio, kept small: a 2-hour file is a few megabytes of them.

Frames of 2048 samples (186 ms at 11025 Hz), hop 1024. Per frame: RMS, spectral flux (the
positive change of the log-magnitude spectrum: onsets), spectral flatness (geometric over
arithmetic mean of the power spectrum: noise ≈ 1, a few partials ≈ 0), and a 12-bin chroma
(the power of the 55 Hz–5 kHz bins folded onto pitch classes).
"""

from __future__ import annotations

import numpy as np

FRAME = 2048
HOP = 1024


class FrameMeasures:
    """Feed mono blocks; read the per-frame measures as arrays."""

    def __init__(self, rate: int, max_seconds: float) -> None:
        self.rate = rate
        self._limit = int(max_seconds * rate)
        self._seen = 0
        self._buffer = np.zeros(0, dtype=np.float32)
        self._window = np.hanning(FRAME).astype(np.float32)
        freqs = np.fft.rfftfreq(FRAME, 1.0 / rate)
        usable = (freqs >= 55.0) & (freqs <= 5000.0)
        self._chroma_bins = np.flatnonzero(usable)
        midi = 69 + 12 * np.log2(freqs[usable] / 440.0)
        self._pitch_class = np.round(midi).astype(int) % 12
        self._previous: np.ndarray | None = None
        self.rms: list[float] = []
        self.flux: list[float] = []
        self.flatness: list[float] = []
        self.chroma: list[np.ndarray] = []

    @property
    def fps(self) -> float:
        return self.rate / HOP

    @property
    def seconds(self) -> float:
        return min(self._seen, self._limit) / self.rate

    def feed(self, samples: np.ndarray) -> None:
        if self._seen >= self._limit:
            return
        take = samples[: self._limit - self._seen].astype(np.float32)
        self._seen += len(take)
        self._buffer = np.concatenate([self._buffer, take])
        count = (len(self._buffer) - FRAME) // HOP + 1
        if count <= 0:
            return
        for i in range(count):
            self._frame(self._buffer[i * HOP : i * HOP + FRAME])
        self._buffer = self._buffer[count * HOP :]

    def _frame(self, frame: np.ndarray) -> None:
        self.rms.append(float(np.sqrt(np.mean(frame * frame))))
        power = np.abs(np.fft.rfft(frame * self._window)) ** 2 + 1e-12
        log_mag = np.log1p(np.sqrt(power) * 100.0)
        self.flux.append(float(np.maximum(log_mag - self._previous, 0).sum()) if self._previous is not None else 0.0)
        self._previous = log_mag
        body = power[1:]
        self.flatness.append(float(np.exp(np.mean(np.log(body))) / np.mean(body)))
        self.chroma.append(np.bincount(self._pitch_class, weights=power[self._chroma_bins], minlength=12))
