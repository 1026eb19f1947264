"""Tempo from onset envelopes: periodicity, sub-frame refinement, octave decision.

1. *Periodicity.* The autocorrelation of the onset envelope peaks at the
   periods of the metrical levels (8th notes, beats, half bars, bars). The
   shortest period between 50 and 220 BPM whose peak is nearly the strongest
   fixes the family of candidate periods ``P * 2**k``.
2. *Refinement.* The peaks near every multiple ``m * P`` up to 12 s are located
   with parabolic interpolation and ``P`` is their least-squares period, so the
   tempo is not quantised to whole envelope frames (librosa's 123.0 / 129.2 BPM
   steps near 128).
3. *Octave decision.* Starting from the slowest candidate of at least 50 BPM,
   the period is halved while the pulses half-way between the current beats
   carry a real share of the beats' strength in the low envelope (below 3 kHz,
   uncompressed: kick, snare, bass; not hi-hats), and the result stays at most
   200 BPM. A beat is the fastest level at which every pulse (by the median)
   carries a strong onset: this avoids both the half tempo above 160 BPM and
   the double tempo below 80 BPM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d, minimum_filter1d, uniform_filter1d

MIN_BPM = 50.0
MAX_BPM = 200.0
SEARCH_MAX_BPM = 220.0
#: Half-beat pulses at least this strong (relative to the beats) make them beats.
DOUBLING_RATIO = 0.25
#: Autocorrelation peaks this close to the highest count as equally strong.
PEAK_SHARE = 0.8
REFINE_SECONDS = 12.0
WINDOW_SECONDS = 16.0
MIN_SECONDS = 6.0
ACF_SMOOTHING_FRAMES = 1.5
#: Below this (summed log-band flux), nothing in the signal is an onset: a steady
#: tone, silence, or a fade of noise.
MIN_ONSET_STRENGTH = 5.0


@dataclass(frozen=True, slots=True)
class TempoEstimate:
    bpm: float
    #: 0..1: how much the beat pulse stands out of the envelope (clarity of the
    #: best phase) times the square root of the envelope's autocorrelation at the
    #: beat period (how regular it is). Drum tracks score above 0.8; noise below 0.2.
    confidence: float
    period_frames: float


def _detrend(envelope: np.ndarray, fps: float) -> np.ndarray:
    """Remove the slowly varying level and keep what rises above it."""
    env = envelope.astype(np.float64)
    trend = uniform_filter1d(env, size=max(3, int(fps * 0.5)), mode="nearest")
    return np.maximum(env - trend, 0.0)


def autocorrelation(envelope: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocorrelation ``r[0..max_lag]`` of a mean-removed envelope, r[0] = 1."""
    x = envelope - envelope.mean()
    n = len(x)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(x, size)
    r = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    r /= np.maximum(n - np.arange(len(r)), 1)  # unbiased: every lag on the same footing
    return r / r[0] if r[0] > 0 else r


def _parabolic_peak(r: np.ndarray, centre: float, half_width: float) -> float | None:
    lo = max(1, int(np.floor(centre - half_width)))
    hi = min(len(r) - 2, int(np.ceil(centre + half_width)))
    if hi <= lo:
        return None
    i = lo + int(np.argmax(r[lo : hi + 1]))
    a, b, c = r[i - 1], r[i], r[i + 1]
    denominator = a - 2 * b + c
    shift = 0.5 * (a - c) / denominator if denominator < 0 else 0.0
    return i + float(np.clip(shift, -0.5, 0.5))


def refine_period(r: np.ndarray, period: float) -> float:
    """Least-squares period from the autocorrelation peaks near its multiples."""
    multiples, positions = [], []
    m = 1
    while m * period + 2 < len(r) - 1:
        found = _parabolic_peak(r, m * period, max(2.0, 0.02 * m * period))
        if found is not None:
            multiples.append(m)
            positions.append(found)
        m += 1
    if not multiples:
        return period
    m_arr, p_arr = np.array(multiples, float), np.array(positions)
    estimate = float(np.sum(m_arr * p_arr) / np.sum(m_arr * m_arr))
    # Drop peaks that wandered off the lattice (another periodicity nearby), fit again.
    keep = np.abs(p_arr - m_arr * estimate) <= max(1.5, 0.01 * estimate)
    if keep.sum() >= 1:
        estimate = float(np.sum(m_arr[keep] * p_arr[keep]) / np.sum(m_arr[keep] ** 2))
    return estimate


def _comb_profile(envelope: np.ndarray, period: float, resolution: int = 64) -> np.ndarray:
    """Mean envelope at each of ``resolution`` phases of a pulse train of ``period``."""
    pulses = int((len(envelope) - 1) // period)
    if pulses < 2:
        return np.zeros(resolution)
    phases = np.arange(resolution) / resolution * period
    positions = phases[:, None] + np.arange(pulses)[None, :] * period
    index = np.clip(np.rint(positions).astype(int), 0, len(envelope) - 1)
    return envelope[index].mean(axis=1)


def _windows(n: int, fps: float) -> list[slice]:
    size = int(WINDOW_SECONDS * fps)
    if n <= size:
        return [slice(0, n)]
    starts = range(0, n - size + 1, size // 2)
    return [slice(s, s + size) for s in starts]


def _half_beat_ratio(low: np.ndarray, onset: np.ndarray, period: float, fps: float) -> float:
    """Median over windows of (low envelope half-way between beats) / (on the beats).

    In each window the beat phase is where the pulse train of ``period`` collects
    the most onset energy; the strength of the beats and of the half-beats is the
    median over their pulses, so a single extra kick does not make a level.
    """
    tolerance = max(1, round(0.02 * fps))
    low_max = maximum_filter1d(low, size=2 * tolerance + 1)
    both_max = maximum_filter1d(onset + low, size=2 * tolerance + 1)
    ratios = []
    for window in _windows(len(low), fps):
        both, lows = both_max[window], low_max[window]
        pulses = int((len(both) - 1) // period) - 1
        if pulses < 2:
            continue
        phases = np.arange(int(np.ceil(period)), dtype=np.float64)
        grid = phases[:, None] + np.arange(pulses)[None, :] * period
        best = int(np.argmax(both[np.rint(grid).astype(int)].sum(axis=1)))
        on = np.median(lows[np.rint(grid[best]).astype(int)])
        off = np.median(lows[np.rint(grid[best] + period / 2).astype(int)])
        if on > 0:
            ratios.append(off / on)
    return float(np.median(ratios)) if ratios else 0.0


def _clarity(onset: np.ndarray, period: float, fps: float) -> float:
    """How much the best beat phase stands above the average (0 flat, 1 pure clicks)."""
    values = []
    for window in _windows(len(onset), fps):
        profile = _comb_profile(onset[window], period)
        peak = profile.max()
        if peak > 0:
            values.append(1.0 - profile.mean() / peak)
    return float(np.clip(np.median(values), 0.0, 1.0)) if values else 0.0


def estimate_tempo(onset: np.ndarray, low: np.ndarray, fps: float) -> TempoEstimate | None:
    """The tempo of onset/low envelopes at ``fps`` frames per second, or None."""
    if len(onset) < MIN_SECONDS * fps or np.percentile(onset, 99) < MIN_ONSET_STRENGTH:
        return None
    onset_d = _detrend(onset, fps)
    low_d = low - minimum_filter1d(low, size=max(3, int(fps * 0.5)))  # baseline only
    if not onset_d.any():
        return None
    max_lag = int(min(len(onset_d) // 2, REFINE_SECONDS * fps))
    # Onsets a frame wide decorrelate when the period is not a whole number of
    # frames; a light smoothing keeps the peaks and makes them interpolable.
    r = autocorrelation(gaussian_filter1d(onset_d, ACF_SMOOTHING_FRAMES), max_lag)
    lo = int(np.floor(60.0 * fps / SEARCH_MAX_BPM))
    hi = min(int(np.ceil(60.0 * fps / MIN_BPM)), max_lag - 1)
    if hi <= lo + 2:
        return None
    segment = r[lo : hi + 1]
    interior = (segment[1:-1] >= segment[:-2]) & (segment[1:-1] >= segment[2:])
    peaks = np.flatnonzero(interior) + lo + 1
    if len(peaks) == 0:
        return None
    # A periodic envelope correlates as well at 2P, 3P... as at P: the shortest
    # period with (nearly) the strongest peak is the pulse, not a multiple of it.
    strong = peaks[r[peaks] >= PEAK_SHARE * r[peaks].max()]
    period = refine_period(r, float(strong.min()))

    # The slowest member of the family that is still at least MIN_BPM.
    while 60.0 * fps / (2 * period) >= MIN_BPM:
        period *= 2
    while 60.0 * fps / period < MIN_BPM:
        period /= 2
    while 60.0 * fps / (period / 2) <= MAX_BPM:
        if _half_beat_ratio(low_d, onset_d, period, fps) < DOUBLING_RATIO:
            break
        period /= 2
    bpm = 60.0 * fps / period
    # Onsets are a frame or two wide, so read the peak near the period, not between samples.
    lag = round(period)
    near = r[max(0, lag - 1) : lag + 2] if lag + 1 < len(r) else np.zeros(1)
    periodicity = max(0.0, float(near.max()))
    confidence = _clarity(onset_d, period, fps) * np.sqrt(periodicity)
    return TempoEstimate(bpm=bpm, confidence=float(confidence), period_frames=period)
