"""The tempo analyzer."""

from __future__ import annotations

import numpy as np

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed

from .estimate import estimate_tempo
from .onset import OnsetEnvelope

#: Rate the analyzer asks for: onsets need no more, and key and fingerprint share it.
ANALYSIS_RATE = 11025


class TempoSession(AnalysisSession):
    """Builds the onset envelopes of one track."""

    def __init__(self, info: AudioInfo, max_seconds: float) -> None:
        self._envelope = OnsetEnvelope(info.sample_rate, max_seconds=max_seconds)

    def feed(self, block: np.ndarray) -> None:
        self._envelope.feed(block[:, 0])

    def finish(self) -> AnalysisResult:
        onset, low = self._envelope.envelopes()
        estimate = estimate_tempo(onset, low, self._envelope.fps)
        if estimate is None:
            return AnalysisResult(features={"bpm": None, "bpm_confidence": None})
        return AnalysisResult(
            features={"bpm": round(estimate.bpm, 2), "bpm_confidence": round(estimate.confidence, 3)},
            extras={"beat_period_seconds": f"{estimate.period_frames / self._envelope.fps:.5f}"},
        )


class TempoAnalyzer(Analyzer):
    """BPM (``bpm``) and how clear the beat is (``bpm_confidence``, 0..1).

    Works on mono 11025 Hz audio; looks at the first ``max_seconds`` (30 minutes)
    at most. Tracks without onsets (silence, drones) get ``bpm`` None.
    """

    name = "tempo"
    version = 1
    needs = AudioNeed(sample_rate=ANALYSIS_RATE, mono=True)

    def __init__(self, *, max_seconds: float = 1800.0) -> None:
        self.max_seconds = max_seconds

    def start(self, info: AudioInfo) -> AnalysisSession:
        return TempoSession(info, self.max_seconds)
