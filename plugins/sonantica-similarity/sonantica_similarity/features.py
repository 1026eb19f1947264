"""The sonic descriptor: a fixed-length vector of how a track sounds, from mono 11,025 Hz audio.

Frames of 1024 samples (93 ms), hop 512, Hann window, analysed a chunk of frames at a time
with NumPy (no per-frame Python), pooled over the track with running sums: memory stays
bounded whatever the length; only the per-frame loudness and onset strength (two floats a
frame) are kept, for the rhythm and dynamics measures. :data:`LAYOUT` names every dimension.
"""

from __future__ import annotations

import itertools

import numpy as np

RATE = 11025
FRAME = 1024
HOP = 512
#: Frames analysed in one NumPy pass.
CHUNK = 256
N_MELS = 40
N_MFCC = 20
N_DELTA = 13
#: Edges of the spectral contrast bands, Hz.
CONTRAST_EDGES = (0.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, RATE / 2)
MIN_TEMPO, MAX_TEMPO = 60.0, 200.0

#: (group, count) of the vector's dimensions, in order.
LAYOUT: tuple[tuple[str, int], ...] = (
    ("mfcc_mean", N_MFCC),
    ("mfcc_std", N_MFCC),
    ("mfcc_delta_std", N_DELTA),
    ("spectral_mean", 4),  # centroid, bandwidth, rolloff (85 %), flatness
    ("spectral_std", 4),
    ("contrast_mean", len(CONTRAST_EDGES) - 1),
    ("contrast_std", len(CONTRAST_EDGES) - 1),
    ("chroma_mean", 12),
    ("chroma_std", 12),
    ("zcr", 2),  # mean, std
    ("dynamics", 5),  # RMS dB mean, std, 10th and 90th percentile, share of frames under the mean RMS
    ("rhythm", 7),  # onset rate, flux mean, flux std, log2 tempo, pulse clarity, tempo octave sin, cos
)
DIMENSION = sum(count for _, count in LAYOUT)


def _mel(hz: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def mel_filterbank(rate: int = RATE, frame: int = FRAME, bands: int = N_MELS) -> np.ndarray:
    """Triangular mel filters, ``(bands, frame // 2 + 1)``, 30 Hz to Nyquist."""
    freqs = np.fft.rfftfreq(frame, 1.0 / rate)
    points = np.linspace(_mel(np.array(30.0)), _mel(np.array(rate / 2)), bands + 2)
    hz = 700.0 * (10 ** (points / 2595.0) - 1.0)
    bank = np.zeros((bands, len(freqs)), dtype=np.float32)
    for i in range(bands):
        low, mid, high = hz[i], hz[i + 1], hz[i + 2]
        rising = (freqs - low) / max(mid - low, 1e-9)
        falling = (high - freqs) / max(high - mid, 1e-9)
        bank[i] = np.maximum(0.0, np.minimum(rising, falling))
    return bank


def dct_matrix(n_in: int = N_MELS, n_out: int = N_MFCC) -> np.ndarray:
    """Orthonormal DCT-II, ``(n_out, n_in)``."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    matrix = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    matrix[0] /= np.sqrt(2.0)
    return matrix.astype(np.float32)


class _Moments:
    """Running sum and sum of squares of row vectors."""

    def __init__(self, width: int) -> None:
        self.n = 0
        self.total = np.zeros(width, dtype=np.float64)
        self.squares = np.zeros(width, dtype=np.float64)

    def add(self, rows: np.ndarray) -> None:
        self.n += len(rows)
        self.total += rows.sum(axis=0, dtype=np.float64)
        self.squares += np.square(rows, dtype=np.float64).sum(axis=0)

    def mean(self) -> np.ndarray:
        return self.total / max(self.n, 1)

    def std(self) -> np.ndarray:
        return np.sqrt(np.maximum(self.squares / max(self.n, 1) - self.mean() ** 2, 0.0))


class SonicDescriptor:
    """Feed mono float32 samples at :data:`RATE`; :meth:`vector` pools them into one vector."""

    def __init__(self, max_seconds: float = 600.0) -> None:
        self._limit = int(max_seconds * RATE)
        self._seen = 0
        self._buffer = np.zeros(0, dtype=np.float32)
        self._window = np.hanning(FRAME).astype(np.float32)
        self._freqs = np.fft.rfftfreq(FRAME, 1.0 / RATE).astype(np.float32)
        self._mel = mel_filterbank()
        self._dct = dct_matrix()
        usable = (self._freqs >= 55.0) & (self._freqs <= 5000.0)
        self._chroma_bins = np.flatnonzero(usable)
        midi = 69 + 12 * np.log2(self._freqs[usable] / 440.0)
        chroma_map = np.zeros((len(self._chroma_bins), 12), dtype=np.float32)
        chroma_map[np.arange(len(self._chroma_bins)), np.round(midi).astype(int) % 12] = 1.0
        self._chroma_map = chroma_map
        self._bands = [
            np.flatnonzero((self._freqs >= lo) & (self._freqs < hi)) for lo, hi in itertools.pairwise(CONTRAST_EDGES)
        ]
        self._mfcc = _Moments(N_MFCC)
        self._delta = _Moments(N_DELTA)
        self._spectral = _Moments(4)
        self._contrast = _Moments(len(self._bands))
        self._chroma = _Moments(12)
        self._zcr = _Moments(1)
        self._previous_mfcc: np.ndarray | None = None
        self._previous_mel: np.ndarray | None = None
        self._rms_db: list[np.ndarray] = []
        self._flux: list[np.ndarray] = []

    @property
    def seconds(self) -> float:
        """Seconds of audio analysed."""
        return min(self._seen, self._limit) / RATE

    def feed(self, samples: np.ndarray) -> None:
        """Take the next mono samples (the first ``max_seconds`` are used)."""
        if self._seen >= self._limit:
            return
        take = np.asarray(samples, dtype=np.float32).ravel()[: self._limit - self._seen]
        self._seen += len(take)
        self._buffer = np.concatenate([self._buffer, take]) if len(self._buffer) else take.copy()
        while (len(self._buffer) - FRAME) // HOP + 1 >= CHUNK:
            self._frames(self._buffer, CHUNK)
            self._buffer = self._buffer[CHUNK * HOP :]

    def _frames(self, buffer: np.ndarray, count: int) -> None:
        frames = np.lib.stride_tricks.sliding_window_view(buffer[: (count - 1) * HOP + FRAME], FRAME)[::HOP]
        rms = np.sqrt(np.mean(frames * frames, axis=1) + 1e-12)
        self._rms_db.append((20 * np.log10(rms)).astype(np.float32))
        signs = np.signbit(frames)
        self._zcr.add((signs[:, 1:] != signs[:, :-1]).mean(axis=1, keepdims=True))
        spectrum = np.abs(np.fft.rfft(frames * self._window, axis=1)).astype(np.float32)
        power = spectrum * spectrum + 1e-10
        log_mel = np.log(power @ self._mel.T + 1e-8)
        mfcc = log_mel @ self._dct.T
        self._mfcc.add(mfcc)
        # deltas and flux against the previous frame, the last of the previous chunk included
        before = mfcc[:1] if self._previous_mfcc is None else self._previous_mfcc
        self._delta.add((mfcc - np.vstack([before, mfcc[:-1]]))[:, :N_DELTA])
        self._previous_mfcc = mfcc[-1:]
        before_mel = log_mel[:1] if self._previous_mel is None else self._previous_mel
        flux = np.maximum(log_mel - np.vstack([before_mel, log_mel[:-1]]), 0.0).mean(axis=1)
        self._previous_mel = log_mel[-1:]
        self._flux.append(flux.astype(np.float32))
        self._spectral.add(self._spectral_shape(spectrum, power))
        self._contrast.add(self._spectral_contrast(spectrum))
        chroma = power[:, self._chroma_bins] @ self._chroma_map
        self._chroma.add(chroma / (chroma.max(axis=1, keepdims=True) + 1e-10))

    def _spectral_shape(self, spectrum: np.ndarray, power: np.ndarray) -> np.ndarray:
        weight = spectrum.sum(axis=1, keepdims=True) + 1e-10
        centroid = (spectrum * self._freqs).sum(axis=1, keepdims=True) / weight
        bandwidth = np.sqrt((spectrum * (self._freqs - centroid) ** 2).sum(axis=1, keepdims=True) / weight)
        cumulative = np.cumsum(power, axis=1)
        rolloff = self._freqs[np.argmax(cumulative >= 0.85 * cumulative[:, -1:], axis=1)][:, None]
        body = power[:, 1:]
        flatness = np.exp(np.mean(np.log(body), axis=1, keepdims=True)) / np.mean(body, axis=1, keepdims=True)
        # kHz so the pooled spreads stay well scaled; flatness is 0–1
        return np.hstack([centroid / 1000.0, bandwidth / 1000.0, rolloff / 1000.0, flatness])

    def _spectral_contrast(self, spectrum: np.ndarray) -> np.ndarray:
        columns = []
        for band in self._bands:
            values = np.sort(spectrum[:, band], axis=1)
            take = max(1, round(0.2 * values.shape[1]))
            valley = np.log(values[:, :take].mean(axis=1) + 1e-8)
            peak = np.log(values[:, -take:].mean(axis=1) + 1e-8)
            columns.append(peak - valley)
        return np.stack(columns, axis=1)

    def _rhythm(self, flux: np.ndarray) -> np.ndarray:
        fps = RATE / HOP
        seconds = max(len(flux) / fps, 1e-9)
        threshold = np.median(flux) + 0.5 * flux.std()
        peaks = (flux[1:-1] > flux[:-2]) & (flux[1:-1] >= flux[2:]) & (flux[1:-1] > threshold)
        onset_rate = float(peaks.sum()) / seconds
        centred = flux - flux.mean()
        spectrum = np.fft.rfft(centred, n=2 * len(centred))
        autocorr = np.fft.irfft(np.abs(spectrum) ** 2)[: len(centred)]
        autocorr = autocorr / (autocorr[0] + 1e-10)
        lags = np.arange(len(autocorr))
        usable = (lags >= fps * 60.0 / MAX_TEMPO) & (lags <= fps * 60.0 / MIN_TEMPO)
        if not usable.any():
            tempo, clarity = 120.0, 0.0
        else:
            candidates = np.flatnonzero(usable)
            best = candidates[np.argmax(autocorr[candidates])]
            tempo, clarity = 60.0 * fps / best, float(max(autocorr[best], 0.0))
        octave = np.log2(tempo / 60.0)
        turn = 2 * np.pi * octave
        return np.array([onset_rate, flux.mean(), flux.std(), octave, clarity, np.sin(turn), np.cos(turn)])

    def vector(self) -> np.ndarray | None:
        """The pooled vector (:data:`DIMENSION` float32 values), None under a second of sound or silence."""
        if len(self._buffer) >= FRAME:
            count = (len(self._buffer) - FRAME) // HOP + 1
            self._frames(self._buffer, count)
            self._buffer = self._buffer[count * HOP :]
        if self._mfcc.n < RATE // HOP:
            return None
        rms_db = np.concatenate(self._rms_db)
        if float(rms_db.max()) < -70.0:
            return None
        flux = np.concatenate(self._flux)
        rms = 10 ** (rms_db / 20)
        low, high = np.percentile(rms_db, [10, 90])
        dynamics = np.array([rms_db.mean(), rms_db.std(), low, high, (rms < rms.mean()).mean()])
        parts = [
            self._mfcc.mean(), self._mfcc.std(), self._delta.std(),
            self._spectral.mean(), self._spectral.std(),
            self._contrast.mean(), self._contrast.std(),
            self._chroma.mean(), self._chroma.std(),
            np.concatenate([self._zcr.mean(), self._zcr.std()]),
            dynamics, self._rhythm(flux),
        ]
        vector = np.concatenate(parts).astype(np.float32)
        assert len(vector) == DIMENSION
        return np.nan_to_num(vector, nan=0.0, posinf=0.0, neginf=0.0)
