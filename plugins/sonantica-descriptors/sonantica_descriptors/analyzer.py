"""The descriptors analyzer: fills ``track_audio_features`` from :mod:`.measures`."""

from __future__ import annotations

import numpy as np

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed

from .frames import FrameMeasures
from .measures import describe

#: Mono 11025 Hz: the form the tempo and key analyzers use too (derived once for all).
ANALYSIS_RATE = 11025
NAMES = ("energy", "danceability", "instrumental", "acoustic", "tonal",
         "mood_happy", "mood_aggressive", "mood_party", "mood_relaxed")


class DescriptorSession(AnalysisSession):
    def __init__(self, info: AudioInfo, max_seconds: float) -> None:
        self._frames = FrameMeasures(info.sample_rate, max_seconds)

    def feed(self, block: np.ndarray) -> None:
        self._frames.feed(block[:, 0])

    def finish(self) -> AnalysisResult:
        found = describe(self._frames)
        if found is None:
            return AnalysisResult(features=dict.fromkeys(NAMES))
        return AnalysisResult(
            features=dict(found.values),
            extras={f"confidence.{name}": f"{value:.3f}" for name, value in found.confidence.items()},
        )


class DescriptorAnalyzer(Analyzer):
    """Energy, danceability, instrumental, acoustic, tonal and four mood scores, each 0..1.

    Signal measures, documented in :mod:`sonantica_descriptors.measures`; their confidences go to
    ``extras`` as ``confidence.<feature>``. Looks at the first ``max_seconds`` (10 minutes).
    Silence and tracks under 3 s get None.
    """

    name = "descriptors"
    version = 1
    needs = AudioNeed(sample_rate=ANALYSIS_RATE, mono=True)

    def __init__(self, *, max_seconds: float = 600.0) -> None:
        self.max_seconds = max_seconds

    def start(self, info: AudioInfo) -> AnalysisSession:
        return DescriptorSession(info, self.max_seconds)
