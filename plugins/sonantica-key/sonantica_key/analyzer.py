"""The key analyzer."""

from __future__ import annotations

import numpy as np

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed

from .chroma import chromagram
from .detect import detect_key
from .profiles import camelot, key_name
from .spectrum import SpectrumAccumulator

#: Rate the analyzer asks for (up to 5.5 kHz is plenty for pitch; tempo and
#: fingerprint share it, so it is derived once).
ANALYSIS_RATE = 11025


class KeySession(AnalysisSession):
    """Accumulates the spectra of one track."""

    def __init__(self, info: AudioInfo, max_seconds: float) -> None:
        self._spectra = SpectrumAccumulator(info.sample_rate, max_seconds=max_seconds)

    def feed(self, block: np.ndarray) -> None:
        self._spectra.feed(block[:, 0])

    def finish(self) -> AnalysisResult:
        spectra = self._spectra
        tuning = spectra.tuning()
        estimate = detect_key(chromagram(spectra.tuned(tuning)))
        if estimate is None:
            return AnalysisResult(features={"key": None, "mode": None, "camelot_key": None, "key_confidence": None})
        name = key_name(estimate.tonic, estimate.mode)
        return AnalysisResult(
            features={
                "key": name,
                "mode": estimate.mode,
                "camelot_key": camelot(estimate.tonic, estimate.mode),
                "key_confidence": round(estimate.confidence, 3),
            },
            extras={
                "key_name": f"{name} {estimate.mode}",
                "key_margin": f"{estimate.margin:.3f}",
                "key_runner_up": f"{key_name(*estimate.runner_up)} {estimate.runner_up[1]}",
                "tuning_cents": f"{100.0 * tuning:.1f}",
                "chroma": " ".join(f"{v:.3f}" for v in estimate.chroma),
            },
        )


class KeyAnalyzer(Analyzer):
    """Key (``key``: tonic name, ``mode``: major/minor), ``camelot_key`` and ``key_confidence``.

    Works on mono 11025 Hz audio: the first ``max_seconds`` (30 minutes) decide.
    """

    name = "key"
    version = 2  # 2: harmonic part, segment NNLS chroma, bass and several profiles
    needs = AudioNeed(sample_rate=ANALYSIS_RATE, mono=True)

    def __init__(self, *, max_seconds: float = 1800.0) -> None:
        self.max_seconds = max_seconds

    def start(self, info: AudioInfo) -> AnalysisSession:
        return KeySession(info, self.max_seconds)
