"""The loudness analyzer: EBU R128 / BS.1770-4 loudness, LRA, peaks and ReplayGain 2.0."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed

from .channels import channel_weights
from .gating import db
from .meter import LoudnessMeter
from .replaygain import REFERENCE_LUFS, album_loudness, block_histogram, track_gain


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


class LoudnessSession(AnalysisSession):
    """Measures one track."""

    def __init__(self, info: AudioInfo, *, dual_mono: bool) -> None:
        weights = channel_weights(info.channel_layout, info.channels, dual_mono=dual_mono)
        self._meter = LoudnessMeter(info.sample_rate, weights)

    def feed(self, block: np.ndarray) -> None:
        self._meter.feed(block)

    def finish(self) -> AnalysisResult:
        report = self._meter.report()
        integrated = report.integrated_lufs
        features: dict[str, float | str | None] = {
            "loudness_lufs": _rounded(integrated, 2),
            "loudness_range_lu": _rounded(report.loudness_range_lu, 2),
            "true_peak_dbtp": _rounded(db(report.true_peak), 2),
            "sample_peak": round(report.sample_peak, 6),
            "replaygain_track_gain": _rounded(track_gain(integrated), 2),
            "replaygain_track_peak": round(report.sample_peak, 6),
        }
        extras = {
            "replaygain_reference_lufs": f"{REFERENCE_LUFS:g}",
            "true_peak": f"{report.true_peak:.6f}",
            "sample_peak_dbfs": "-inf" if report.sample_peak == 0 else f"{db(report.sample_peak):.2f}",
        }
        state = {
            "block_histogram": block_histogram(report.block_energies),
            "sample_peak": report.sample_peak,
            "true_peak": report.true_peak,
        }
        return AnalysisResult(features=features, extras=extras, state=state)


class LoudnessAnalyzer(Analyzer):
    """EBU R128 loudness and ReplayGain 2.0 at the file's native rate and channels.

    Fills ``loudness_lufs``, ``loudness_range_lu``, ``true_peak_dbtp``,
    ``sample_peak``, ``replaygain_track_gain`` and ``replaygain_track_peak``
    (sample peak, linear, as rsgain writes by default); :meth:`finish_album`
    adds ``replaygain_album_gain`` and ``replaygain_album_peak``.
    """

    name = "loudness"
    version = 2  # 2: files that decode in part are measured over what decodes
    needs = AudioNeed(sample_rate=None, mono=False)

    def __init__(self, *, dual_mono: bool = False) -> None:
        self.dual_mono = dual_mono

    def start(self, info: AudioInfo) -> AnalysisSession:
        return LoudnessSession(info, dual_mono=self.dual_mono)

    def finish_album(self, tracks: Sequence[AnalysisResult]) -> Mapping[int, Mapping[str, Any]] | None:
        """Album gain from the pooled gating blocks; album peak is the largest track peak."""
        measured = [t for t in tracks if t.track_id is not None and "block_histogram" in t.state]
        if not measured:
            return None
        loudness = album_loudness(t.state["block_histogram"] for t in measured)
        peak = max(float(t.state.get("sample_peak", 0.0)) for t in measured)
        values = {
            "replaygain_album_gain": _rounded(track_gain(loudness), 2),
            "replaygain_album_peak": round(peak, 6),
        }
        return {t.track_id: dict(values) for t in tracks if t.track_id is not None}
