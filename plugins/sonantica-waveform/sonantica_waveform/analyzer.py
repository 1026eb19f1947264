"""The waveform analyzer: min/max peaks for players' waveform displays."""

from __future__ import annotations

import numpy as np

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed

from .audiowaveform import encode, waveform_document
from .peaks import PeakAccumulator

ARTIFACT = "waveform.json"


class WaveformSession(AnalysisSession):
    """Collects the peaks of one track."""

    def __init__(self, info: AudioInfo, analyzer: WaveformAnalyzer) -> None:
        self._rate = info.sample_rate
        self._downmix = info.channels > 2
        self._bits = analyzer.bits
        channels = 1 if self._downmix else info.channels
        self._peaks = PeakAccumulator(channels, analyzer.base_samples_per_pixel, analyzer.max_points)

    def feed(self, block: np.ndarray) -> None:
        rows = block.mean(axis=1, dtype=np.float32)[None, :] if self._downmix else np.ascontiguousarray(block.T)
        self._peaks.feed(rows)

    def finish(self) -> AnalysisResult:
        mins, maxs, spp = self._peaks.result()
        document = waveform_document(mins, maxs, self._rate, spp, self._bits)
        return AnalysisResult(
            artifacts={ARTIFACT: encode(document)},
            extras={
                "waveform_points": str(document["length"]),
                "waveform_samples_per_pixel": str(spp),
                "duration_seconds": f"{self._peaks.samples / self._rate:.3f}",
            },
        )


class WaveformAnalyzer(Analyzer):
    """Writes ``waveform.json`` (audiowaveform format, version 2) as an artifact.

    Mono and stereo files keep their channels; files with more channels are
    averaged to one. Samples per pixel are ``base_samples_per_pixel`` (256)
    times the smallest power of two that keeps the number of points at or
    below ``max_points`` (8000): 1024 for a 3-minute 44.1 kHz track (7752
    points), 256 for a 30-second clip. Values are 8-bit by default.
    """

    name = "waveform"
    version = 1
    needs = AudioNeed(sample_rate=None, mono=False)

    def __init__(self, *, base_samples_per_pixel: int = 256, max_points: int = 8000, bits: int = 8) -> None:
        if bits not in (8, 16):
            raise ValueError("bits must be 8 or 16")
        self.base_samples_per_pixel = base_samples_per_pixel
        self.max_points = max_points
        self.bits = bits

    def start(self, info: AudioInfo) -> AnalysisSession:
        return WaveformSession(info, self)
