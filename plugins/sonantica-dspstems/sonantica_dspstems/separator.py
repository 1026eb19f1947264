"""Four stems by masking one spectrogram: drums, bass, other, vocals. No model, no GPU.

1. **Harmonic/percussive** (HPSS, Fitzgerald 2010): a median across time keeps what is
   steady in pitch, a median across frequency keeps what is short and broadband (and what
   rises above the steady part counts as percussive too: kick drums are narrow-band);
   soft Wiener-like masks (power 2) split the spectrogram. The percussive part is ``drums``.
2. **Repeating pattern** (REPET, Rafii & Pardo 2013) on the harmonic part: the period of
   the music is read from the beat spectrum, the median of the spectrogram across
   periods models the repeating accompaniment, and what does not repeat (the voice,
   solos) is ``vocals``. A voice is near the stereo centre: the vocal mask is weighted
   by how alike the two channels are at each point.
3. The repeating harmonic part is split at :data:`BASS_HZ`: below, ``bass``; above, ``other``.

The masks at each point of the spectrogram sum to one, so the four stems add back up to
the input. Masks are computed once on the mid (mono) magnitude, at a quarter of the
frequency resolution for the medians, and applied to both channels.
Quality class: ``dsp`` — expect bleed between stems; a neural separator (Demucs) is far cleaner.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.ndimage import median_filter

from sonantica_core.contract import StemQuality, StemSeparator

from .spectral import HOP, N_FFT, istft, stft

RATE = 44100
BASS_HZ = 180.0
#: Median spans: across time for the harmonic estimate, across frequency for the percussive one.
HARMONIC_SECONDS = 0.5
PERCUSSIVE_HZ = 390.0
#: Repeating periods looked for, seconds.
MIN_PERIOD, MAX_PERIOD = 1.0, 8.0
EPS = 1e-8
#: Frequency bands the beat spectrum is computed on.
BANDS = 64


def _pool(array: np.ndarray, axis: int) -> np.ndarray:
    """Mean of neighbouring pairs along ``axis`` (an odd last one is kept as it is)."""
    size = array.shape[axis]
    even = np.take(array, np.arange(size - size % 2), axis=axis)
    shape = list(even.shape)
    shape[axis : axis + 1] = [size // 2, 2]
    pooled = even.reshape(shape).mean(axis=axis + 1)
    if size % 2:
        pooled = np.concatenate([pooled, np.take(array, [size - 1], axis=axis)], axis=axis)
    return pooled


def _unpool(array: np.ndarray, axis: int, size: int, factor: int = 2) -> np.ndarray:
    return np.take(np.repeat(array, factor, axis=axis), np.arange(size), axis=axis)


def hpss_masks(magnitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Soft harmonic and percussive masks (summing to one) of a ``(bins, frames)`` magnitude.

    The harmonic estimate is a median across :data:`HARMONIC_SECONDS` of the magnitude
    pooled by four along time; the percussive one a median across :data:`PERCUSSIVE_HZ` of
    the magnitude pooled by two along frequency, raised to at least what rises above the
    harmonic estimate (a kick drum is narrow in frequency, but it is short). Pooling makes
    the medians several times cheaper for much the same masks.
    """
    bins, frames = magnitude.shape
    slow = _pool(_pool(magnitude, 1), 1)
    length = max(3, round(HARMONIC_SECONDS * RATE / HOP / 4) | 1)
    harmonic = _unpool(median_filter(slow, size=(1, length), mode="reflect"), 1, frames, 4)
    width = max(3, round(PERCUSSIVE_HZ / (2 * RATE / N_FFT)) | 1)
    percussive = _unpool(median_filter(_pool(magnitude, 0), size=(width, 1), mode="reflect"), 0, bins)
    percussive = np.maximum(percussive, magnitude - harmonic)
    h2, p2 = harmonic**2, percussive**2
    total = h2 + p2 + EPS
    return h2 / total, p2 / total


def repeating_period(magnitude: np.ndarray) -> int | None:
    """The period, in frames, at which the spectrogram repeats best (the beat spectrum's peak).

    The beat spectrum is the mean autocorrelation over time of the power in each of
    :data:`BANDS` bands (the bins summed in groups: the period is a property of time).
    """
    frames = magnitude.shape[1]
    low, high = round(MIN_PERIOD * RATE / HOP), min(round(MAX_PERIOD * RATE / HOP), frames // 3)
    if high <= low:
        return None
    groups = -(-magnitude.shape[0] // BANDS)
    padded = np.zeros((groups * BANDS, frames), np.float64)
    padded[: magnitude.shape[0]] = magnitude.astype(np.float64) ** 2
    power = padded.reshape(BANDS, groups, frames).sum(axis=1)
    size = 1 << int(np.ceil(np.log2(2 * frames)))
    spectrum = np.fft.rfft(power, n=size, axis=1)
    correlation = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=1)[:, :frames]
    beat = (correlation / (frames - np.arange(frames))).mean(axis=0)
    if beat[0] <= 0:
        return None
    beat = beat / beat[0]
    return low + int(np.argmax(beat[low : high + 1]))


def repeating_mask(magnitude: np.ndarray, period: int | None) -> np.ndarray:
    """How much of each point belongs to the repeating background (REPET's soft mask)."""
    if period is None:
        return np.ones_like(magnitude)
    bins, frames = magnitude.shape
    count = -(-frames // period)
    padded = np.full((bins, count * period), np.nan, np.float32)
    padded[:, :frames] = magnitude
    segments = padded.reshape(bins, count, period)
    model = np.nanmedian(segments, axis=1)  # (bins, period)
    repeated = np.tile(model, (1, count))[:, :frames]
    return np.minimum(repeated, magnitude) / (magnitude + EPS)


def centre_weight(spectra: np.ndarray) -> np.ndarray:
    """1 where both channels carry the same thing, towards 0 where they differ (or one is silent)."""
    if spectra.shape[0] < 2:
        return np.ones(spectra.shape[1:], np.float32)
    left, right = spectra[0], spectra[1]
    similarity = 2 * np.abs(left * np.conj(right)) / (np.abs(left) ** 2 + np.abs(right) ** 2 + EPS)
    return similarity.astype(np.float32)


class DspSeparator(StemSeparator):
    """Drums, bass, other and vocals from HPSS and REPET (see the module)."""

    name = "dsp"
    version = 1
    stems = ("vocals", "drums", "bass", "other")
    sample_rate = RATE
    channels = 2
    needs_gpu = False
    quality = StemQuality.DSP
    chunk_seconds = 30.0
    overlap_seconds = 1.0

    def separate(self, chunk: np.ndarray) -> Mapping[str, np.ndarray]:
        length = len(chunk)
        if length < N_FFT:
            silent = np.zeros_like(chunk)
            return {"vocals": silent, "drums": chunk.copy(), "bass": silent, "other": silent.copy()}
        spectra = stft(chunk)  # (channels, bins, frames)
        magnitude = np.abs(spectra).mean(axis=0)
        harmonic, percussive = hpss_masks(magnitude)
        repeating = repeating_mask(magnitude * harmonic, repeating_period(magnitude * harmonic))
        voice = (1.0 - repeating) * centre_weight(spectra)
        vocals = harmonic * voice
        background = harmonic - vocals
        low = (np.fft.rfftfreq(N_FFT, 1.0 / RATE) < BASS_HZ)[:, None]
        masks = {
            "vocals": vocals,
            "drums": percussive,
            "bass": np.where(low, background, 0.0),
            "other": np.where(low, 0.0, background),
        }
        return {name: istft(spectra * mask.astype(np.float32), length) for name, mask in masks.items()}
