"""The fingerprint analyzer."""

from __future__ import annotations

import numpy as np

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed

from .chromaprint import SAMPLE_RATE, ChromaImage, encode, fingerprint_image, to_signed


class FingerprintSession(AnalysisSession):
    """Fingerprints the first ``max_seconds`` of one track."""

    def __init__(self, info: AudioInfo, max_seconds: float | None) -> None:
        if info.sample_rate != SAMPLE_RATE:
            raise ValueError(f"fingerprint needs {SAMPLE_RATE} Hz audio, got {info.sample_rate}")
        self._image = ChromaImage()
        self._left = None if max_seconds is None else int(max_seconds * SAMPLE_RATE)
        self._seconds = 0.0

    def feed(self, block: np.ndarray) -> None:
        samples = block[:, 0]
        if self._left is not None:
            if self._left <= 0:
                return
            samples = samples[: self._left]
            self._left -= len(samples)
        self._seconds += len(samples) / SAMPLE_RATE
        self._image.feed(samples)

    def finish(self) -> AnalysisResult:
        words = fingerprint_image(self._image.image())
        if len(words) == 0:
            return AnalysisResult(fingerprint=None, extras={"fingerprint_seconds": f"{self._seconds:.1f}"})
        return AnalysisResult(
            fingerprint=to_signed(words),
            extras={"chromaprint": encode(words), "fingerprint_seconds": f"{self._seconds:.1f}"},
        )


class FingerprintAnalyzer(Analyzer):
    """Chromaprint fingerprint of the first ``max_seconds`` (120, as fpcalc) of a track.

    Fills :attr:`AnalysisResult.fingerprint` with the raw sub-fingerprints as
    signed 32-bit integers and ``extras["chromaprint"]`` with the compressed
    string AcoustID takes. ``max_seconds=None`` fingerprints the whole track.
    Compare fingerprints with :func:`sonantica_fingerprint.compare.compare`.
    """

    name = "fingerprint"
    version = 1
    needs = AudioNeed(sample_rate=SAMPLE_RATE, mono=True)

    def __init__(self, *, max_seconds: float | None = 120.0) -> None:
        self.max_seconds = max_seconds

    def start(self, info: AudioInfo) -> AnalysisSession:
        return FingerprintSession(info, self.max_seconds)
