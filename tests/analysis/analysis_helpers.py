"""Analyzers for testing the pipeline: they record what they receive, or fail on purpose."""

from __future__ import annotations

import numpy as np

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed


class RecordingSession(AnalysisSession):
    def __init__(self, owner: Recorder, info: AudioInfo) -> None:
        self.owner = owner
        owner.info = info
        owner.blocks = []

    def feed(self, block: np.ndarray) -> None:
        assert block.dtype == np.float32 and block.ndim == 2
        assert block.flags.c_contiguous or block.shape[1] == 1
        if self.owner.keep:
            self.owner.blocks.append(block.copy())
        else:
            self.owner.blocks.append(np.zeros((len(block), 0)))
        self.owner.frames += len(block)

    def finish(self) -> AnalysisResult:
        return AnalysisResult(features={"energy": float(self.owner.frames)})


class Recorder(Analyzer):
    """Keeps every block it is fed (``keep``) or only counts them."""

    def __init__(self, name: str, need: AudioNeed = AudioNeed(), keep: bool = True) -> None:
        self.name = name
        self.needs = need
        self.keep = keep
        self.info: AudioInfo | None = None
        self.blocks: list[np.ndarray] = []
        self.frames = 0

    def start(self, info: AudioInfo) -> AnalysisSession:
        return RecordingSession(self, info)

    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks)


class Broken(Analyzer):
    """Raises in ``phase`` ("start", "feed" or "finish")."""

    def __init__(self, name: str, phase: str) -> None:
        self.name = name
        self.phase = phase

    def start(self, info: AudioInfo) -> AnalysisSession:
        if self.phase == "start":
            raise RuntimeError("broken in start")
        phase = self.phase

        class Session(AnalysisSession):
            def feed(self, block: np.ndarray) -> None:
                if phase == "feed":
                    raise RuntimeError("broken in feed")

            def finish(self) -> AnalysisResult:
                if phase == "finish":
                    raise RuntimeError("broken in finish")
                return AnalysisResult()

        return Session()
