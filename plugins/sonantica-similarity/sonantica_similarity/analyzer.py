"""The ``similarity`` analyzer: one :data:`MODEL` embedding per track from the shared decode."""

from __future__ import annotations

import numpy as np

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed, Embedding

from .features import RATE, SonicDescriptor

#: The embedding model's name in ``track_embeddings`` (the default ``SIMILARITY_MODEL``).
MODEL = "sonic-descriptor"
#: Raised when the vector's dimensions change meaning (every track is then analysed again).
MODEL_VERSION = 1


class SonicSession(AnalysisSession):
    def __init__(self, max_seconds: float) -> None:
        self._descriptor = SonicDescriptor(max_seconds)

    def feed(self, block: np.ndarray) -> None:
        self._descriptor.feed(block[:, 0])

    def finish(self) -> AnalysisResult:
        vector = self._descriptor.vector()
        if vector is None:
            return AnalysisResult()  # silence or under a second: nothing to compare
        return AnalysisResult(
            embeddings=(Embedding(MODEL, vector, version=str(MODEL_VERSION), standardise=True),),
            extras={"sonic.seconds": f"{self._descriptor.seconds:.1f}"},
        )


class SonicAnalyzer(Analyzer):
    """Timbre, spectral shape and contrast, chroma, rhythm and dynamics, pooled into one vector
    (:mod:`sonantica_similarity.features`); the core standardises it over the library."""

    name = "similarity"
    version = MODEL_VERSION
    #: Mono 11,025 Hz, the form the tempo, key and descriptors analyzers use (derived once for all).
    needs = AudioNeed(sample_rate=RATE, mono=True)

    def __init__(self, *, max_seconds: float = 600.0) -> None:
        self.max_seconds = max_seconds

    def start(self, info: AudioInfo) -> AnalysisSession:
        return SonicSession(self.max_seconds)
