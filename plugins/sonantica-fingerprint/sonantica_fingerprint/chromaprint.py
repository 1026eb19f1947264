"""Chromaprint's fingerprint (algorithm 2, the default of fpcalc and AcoustID), in numpy.

A port of the published algorithm of Chromaprint (Lukáš Lalinský; MIT/LGPL):

1. mono audio at 11025 Hz, frames of 4096 samples every 1365, Hamming window;
2. chroma: the energy of the FFT bins from 28 Hz to 3520 Hz folded onto 12
   pitch classes (A first);
3. a 5-tap smoothing over time (0.25, 0.75, 1, 0.75, 0.25), then each chroma
   vector divided by its Euclidean norm (zeroed below 0.01);
4. 16 classifiers -- Haar-like filters over the time x chroma image compared on
   a log scale and quantised to 2 bits (Gray code) -- give one 32-bit
   sub-fingerprint per frame, about 8 per second.

The audio is resampled by the analysis pipeline rather than by Chromaprint's own
resampler, so words can differ from ``fpcalc``'s in a few bits; comparisons
between fingerprints made here, and with AcoustID's, work by bit error rate.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from sonantica_core.analysis.framing import Framer

SAMPLE_RATE = 11025
FRAME_SIZE = 4096
HOP = FRAME_SIZE - (FRAME_SIZE - FRAME_SIZE // 3)  # 1365
MIN_FREQ = 28
MAX_FREQ = 3520
ALGORITHM = 1  # CHROMAPRINT_ALGORITHM_TEST2, the default
CHROMA_FILTER = np.array([0.25, 0.75, 1.0, 0.75, 0.25])

#: (filter type, y, height, width, t0, t1, t2): kClassifiersTest2 of Chromaprint.
CLASSIFIERS: tuple[tuple[int, int, int, int, float, float, float], ...] = (
    (0, 4, 3, 15, 1.98215, 2.35817, 2.63523),
    (4, 4, 6, 15, -1.03809, -0.651211, -0.282167),
    (1, 0, 4, 16, -0.298702, 0.119262, 0.558497),
    (3, 8, 2, 12, -0.105439, 0.0153946, 0.135898),
    (3, 4, 4, 8, -0.142891, 0.0258736, 0.200632),
    (4, 0, 3, 5, -0.826319, -0.590612, -0.368214),
    (1, 2, 2, 9, -0.557409, -0.233035, 0.0534525),
    (2, 7, 3, 4, -0.0646826, 0.00620476, 0.0784847),
    (2, 6, 2, 16, -0.192387, -0.029699, 0.215855),
    (2, 1, 3, 2, -0.0397818, -0.00568076, 0.0292026),
    (5, 10, 1, 15, -0.53823, -0.369934, -0.190235),
    (3, 6, 2, 10, -0.124877, 0.0296483, 0.139239),
    (2, 1, 1, 14, -0.101475, 0.0225617, 0.231971),
    (3, 5, 6, 4, -0.0799915, -0.00729616, 0.063262),
    (1, 9, 2, 12, -0.272556, 0.019424, 0.302559),
    (3, 4, 2, 14, -0.164292, -0.0321188, 0.0846339),
)
MAX_FILTER_WIDTH = max(c[3] for c in CLASSIFIERS)
_GRAY = np.array([0, 1, 3, 2], dtype=np.uint32)


def _note_of_bins() -> tuple[int, int, np.ndarray]:
    lo = max(1, round(FRAME_SIZE * MIN_FREQ / SAMPLE_RATE))
    hi = min(FRAME_SIZE // 2, round(FRAME_SIZE * MAX_FREQ / SAMPLE_RATE))
    freqs = np.arange(lo, hi) * SAMPLE_RATE / FRAME_SIZE
    octave = np.log2(freqs / (440.0 / 16.0))
    notes = np.floor(12.0 * (octave - np.floor(octave))).astype(int)
    return lo, hi, notes


class ChromaImage:
    """Builds the normalised, smoothed chroma image of a mono 11025 Hz stream."""

    def __init__(self) -> None:
        self._framer = Framer(FRAME_SIZE, HOP)
        n = FRAME_SIZE
        self._window = (0.54 - 0.46 * np.cos(2 * np.pi * np.arange(n) / (n - 1))).astype(np.float32)
        self._lo, self._hi, notes = _note_of_bins()
        self._fold = np.zeros((self._hi - self._lo, 12))
        self._fold[np.arange(len(notes)), notes] = 1.0
        self._rows: list[np.ndarray] = []

    def feed(self, samples: np.ndarray) -> None:
        """Take mono samples in [-1, 1]."""
        frames = self._framer.push(samples)
        if len(frames):
            spectrum = scipy.fft.rfft(frames * self._window, axis=1, workers=1)[:, self._lo : self._hi]
            energy = spectrum.real.astype(np.float64) ** 2 + spectrum.imag.astype(np.float64) ** 2
            self._rows.append(energy @ self._fold)

    def image(self) -> np.ndarray:
        """``(rows, 12)``: smoothed over 5 frames, each row of unit norm (or zero)."""
        if not self._rows:
            return np.zeros((0, 12))
        chroma = np.concatenate(self._rows)
        if len(chroma) < len(CHROMA_FILTER):
            return np.zeros((0, 12))
        smoothed = sum(
            CHROMA_FILTER[j] * chroma[j : len(chroma) - len(CHROMA_FILTER) + 1 + j] for j in range(len(CHROMA_FILTER))
        )
        norms = np.sqrt((smoothed**2).sum(axis=1))
        out = np.zeros_like(smoothed)
        keep = norms >= 0.01
        out[keep] = smoothed[keep] / norms[keep, None]
        return out


def _areas(table: np.ndarray, x: np.ndarray, x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
    """Sum of image[x+x1 .. x+x2, y1 .. y2] for every offset x (inclusive bounds)."""
    if x2 < x1 or y2 < y1:
        return np.zeros(len(x))
    return table[x + x2 + 1, y2 + 1] - table[x + x1, y2 + 1] - table[x + x2 + 1, y1] + table[x + x1, y1]


def _filter_values(table: np.ndarray, x: np.ndarray, kind: int, y: int, h: int, w: int) -> np.ndarray:
    def area(dx1: int, dy1: int, dx2: int, dy2: int) -> np.ndarray:
        return _areas(table, x, dx1, y + dy1, dx2, y + dy2)

    if kind == 0:
        a, b = area(0, 0, w - 1, h - 1), 0.0
    elif kind == 1:
        h2 = h // 2
        a, b = area(0, h2, w - 1, h - 1), area(0, 0, w - 1, h2 - 1)
    elif kind == 2:
        w2 = w // 2
        a, b = area(w2, 0, w - 1, h - 1), area(0, 0, w2 - 1, h - 1)
    elif kind == 3:
        w2, h2 = w // 2, h // 2
        a = area(0, h2, w2 - 1, h - 1) + area(w2, 0, w - 1, h2 - 1)
        b = area(0, 0, w2 - 1, h2 - 1) + area(w2, h2, w - 1, h - 1)
    elif kind == 4:
        h3 = h // 3
        a = area(0, h3, w - 1, 2 * h3 - 1)
        b = area(0, 0, w - 1, h3 - 1) + area(0, 2 * h3, w - 1, h - 1)
    elif kind == 5:
        w3 = w // 3
        a = area(w3, 0, 2 * w3 - 1, h - 1)
        b = area(0, 0, w3 - 1, h - 1) + area(2 * w3, 0, w - 1, h - 1)
    else:  # pragma: no cover - the table has only these
        raise ValueError(kind)
    return np.log1p(a) - np.log1p(b)


def fingerprint_image(image: np.ndarray) -> np.ndarray:
    """Sub-fingerprints (uint32) of a chroma image."""
    length = len(image) - MAX_FILTER_WIDTH + 1
    if length <= 0:
        return np.zeros(0, dtype=np.uint32)
    table = np.zeros((len(image) + 1, 13))
    table[1:, 1:] = image.cumsum(axis=0).cumsum(axis=1)
    x = np.arange(length)
    bits = np.zeros(length, dtype=np.uint32)
    for kind, y, h, w, t0, t1, t2 in CLASSIFIERS:
        value = _filter_values(table, x, kind, y, h, w)
        quantised = np.where(value < t1, np.where(value < t0, 0, 1), np.where(value < t2, 2, 3))
        bits = (bits << np.uint32(2)) | _GRAY[quantised]
    return bits


def to_signed(words: np.ndarray) -> list[int]:
    """uint32 words as signed 32-bit integers (as PostgreSQL ``int4[]`` and AcoustID store them)."""
    return np.asarray(words, dtype=np.uint32).view(np.int32).tolist()


def _pack(values: list[int], bits: int) -> bytes:
    """Little-endian bit packing of ``bits``-bit values (Chromaprint's PackInt{3,5}Array)."""
    if not values:
        return b""
    array = np.asarray(values, dtype=np.uint8)
    bit_matrix = ((array[:, None] >> np.arange(bits, dtype=np.uint8)) & 1).astype(np.uint8)
    return np.packbits(bit_matrix.reshape(-1), bitorder="little").tobytes()


def compress(words: np.ndarray, algorithm: int = ALGORITHM) -> bytes:
    """Chromaprint's compressed fingerprint format (before base64)."""
    words = np.asarray(words, dtype=np.uint32)
    normal: list[int] = []
    exceptional: list[int] = []
    previous = 0
    for word in words.tolist():
        x = word ^ previous
        previous = word
        bit, last_bit = 1, 0
        while x:
            if x & 1:
                value = bit - last_bit
                if value >= 7:
                    normal.append(7)
                    exceptional.append(value - 7)
                else:
                    normal.append(value)
                last_bit = bit
            x >>= 1
            bit += 1
        normal.append(0)
    size = len(words)
    header = bytes([algorithm & 255, (size >> 16) & 255, (size >> 8) & 255, size & 255])
    return header + _pack(normal, 3) + _pack(exceptional, 5)


def encode(words: np.ndarray, algorithm: int = ALGORITHM) -> str:
    """The fingerprint string ``fpcalc`` prints and AcoustID takes (URL-safe base64, no padding)."""
    import base64

    return base64.urlsafe_b64encode(compress(words, algorithm)).decode().rstrip("=")
