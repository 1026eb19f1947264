"""The short-time Fourier transform pair the separator masks in (Hann window, 75 % overlap).

The inverse is a weighted overlap-add that gives the input back exactly, edges included
(the signal is padded by a window on both sides before the analysis).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

N_FFT = 2048
HOP = 512


def _window() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:N_FFT].astype(np.float32)


def stft(x: np.ndarray) -> np.ndarray:
    """``(channels, bins, frames)`` complex64 spectra of ``(frames, channels)`` samples."""
    padded = np.pad(x.T, ((0, 0), (N_FFT, N_FFT + HOP)))
    frames = sliding_window_view(padded, N_FFT, axis=1)[:, ::HOP] * _window()
    return np.fft.rfft(frames, axis=-1).astype(np.complex64).transpose(0, 2, 1)


def istft(spectra: np.ndarray, length: int) -> np.ndarray:
    """``(length, channels)`` float32 samples from :func:`stft`'s output (possibly masked)."""
    window = _window()
    frames = np.fft.irfft(spectra.transpose(0, 2, 1), n=N_FFT, axis=-1).astype(np.float32) * window
    channels, count, _ = frames.shape
    total = (count - 1) * HOP + N_FFT
    out = np.zeros((channels, total), np.float32)
    norm = np.zeros(total, np.float32)
    square = window**2
    for offset in range(N_FFT // HOP):  # add every fourth frame at once: they do not overlap
        chosen = frames[:, offset::N_FFT // HOP]
        starts = (np.arange(chosen.shape[1]) * (N_FFT // HOP) + offset) * HOP
        if not len(starts):
            continue
        span = chosen.shape[1] * N_FFT
        first = starts[0]
        out[:, first : first + span] += chosen.reshape(channels, -1)
        norm[first : first + span] += np.tile(square, chosen.shape[1])
    norm[norm < 1e-6] = 1.0
    return (out / norm)[:, N_FFT : N_FFT + length].T.copy()
