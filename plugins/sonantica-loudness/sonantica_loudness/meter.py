"""A streaming BS.1770-4 / EBU R128 loudness meter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import sosfilt

from .gating import gated_loudness, loudness_range, sliding_energies
from .kweighting import k_weighting_sos
from .truepeak import TruePeakMeter

#: Sub-blocks (100 ms) in a gating block (400 ms) and in a short-term window (3 s).
GATING_SUBBLOCKS = 4
SHORT_TERM_SUBBLOCKS = 30


@dataclass(frozen=True, slots=True)
class LoudnessReport:
    """What the meter measured; loudness values are None for silence."""

    integrated_lufs: float | None
    loudness_range_lu: float | None
    true_peak: float  # linear
    sample_peak: float  # linear
    #: Energies of the 400 ms gating blocks (75 % overlap), for album gain.
    block_energies: np.ndarray
    duration: float  # seconds measured


class _SubBlocks:
    """Sums a stream of per-sample powers over consecutive 100 ms sub-blocks."""

    def __init__(self, step: int) -> None:
        self.step = step
        self._sum = 0.0
        self._count = 0
        self._done: list[np.ndarray] = []

    def push(self, power: np.ndarray) -> None:
        step, n, i = self.step, len(power), 0
        if self._count:
            take = min(step - self._count, n)
            self._sum += float(power[:take].sum())
            self._count += take
            i = take
            if self._count == step:
                self._done.append(np.array([self._sum]))
                self._sum, self._count = 0.0, 0
        full = (n - i) // step
        if full:
            self._done.append(power[i : i + full * step].reshape(full, step).sum(axis=1))
            i += full * step
        if i < n:
            self._sum = float(power[i:].sum())
            self._count = n - i

    def sums(self) -> np.ndarray:
        """Sums of the complete sub-blocks so far."""
        if len(self._done) > 1:
            self._done = [np.concatenate(self._done)]
        return self._done[0] if self._done else np.zeros(0)


class LoudnessMeter:
    """Integrated loudness, loudness range, true and sample peak of one signal.

    ``weights`` are the BS.1770 channel weights in sample order. Memory held
    grows by one float per 100 ms of audio (576 KB for two hours).
    """

    def __init__(self, sample_rate: int, weights: np.ndarray, *, true_peak: bool = True) -> None:
        self.sample_rate = sample_rate
        self.weights = np.asarray(weights, dtype=np.float64)
        channels = len(self.weights)
        self._sos = k_weighting_sos(sample_rate)
        self._zi = np.zeros((self._sos.shape[0], channels, 2))
        # libebur128's rounding of 100 ms, so every rate has whole-sample sub-blocks.
        self._subblocks = _SubBlocks((sample_rate + 5) // 10)
        self._true_peak = TruePeakMeter(sample_rate, channels) if true_peak else None
        self._sample_peak = 0.0
        self._frames = 0

    def feed(self, block: np.ndarray) -> None:
        """Take the next ``(frames, channels)`` block of float samples."""
        if len(block) == 0:
            return
        self._frames += len(block)
        # Channel-major rows: filters and reductions run along contiguous memory.
        rows = np.ascontiguousarray(block.T, dtype=np.float32)
        magnitude = np.abs(rows)
        frame_max = magnitude.max(axis=0)
        self._sample_peak = max(self._sample_peak, float(frame_max.max()))
        if self._true_peak is not None:
            self._true_peak.feed(rows, frame_max)
        filtered, self._zi = sosfilt(self._sos, rows, axis=1, zi=self._zi)  # float64 out
        power = np.zeros(len(block))
        for row, weight in zip(filtered, self.weights, strict=True):
            if weight:
                np.multiply(row, row, out=row)
                power += row if weight == 1.0 else weight * row
        self._subblocks.push(power)

    def report(self) -> LoudnessReport:
        """Measure what has been fed (call once, after the last block)."""
        if self._true_peak is not None:
            self._true_peak.flush()
        sums = self._subblocks.sums()
        step = self._subblocks.step
        blocks = sliding_energies(sums, GATING_SUBBLOCKS, step)
        short_term = sliding_energies(sums, SHORT_TERM_SUBBLOCKS, step)
        true_peak = self._true_peak.peak if self._true_peak is not None else self._sample_peak
        return LoudnessReport(
            integrated_lufs=gated_loudness(blocks),
            loudness_range_lu=loudness_range(short_term),
            true_peak=max(true_peak, self._sample_peak),
            sample_peak=self._sample_peak,
            block_energies=blocks,
            duration=self._frames / self.sample_rate,
        )
