"""What analyzers hand back is kept whole or refused loudly: unknown features and wrong types fail
the analyzer with an error naming the key; typed values reach the analyzer's own table through
``Analyzer.save``, in the same transaction, and a failing save keeps nothing of that analyzer."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import text

from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed
from sonantica_core.plugins import Plugin, hookimpl


class _Session(AnalysisSession):
    def __init__(self, make: Any) -> None:
        self.make = make
        self.peak = 0.0
        self.frames = 0

    def feed(self, block: np.ndarray) -> None:
        self.peak = max(self.peak, float(np.abs(block).max(initial=0.0)))
        self.frames += len(block)

    def finish(self) -> AnalysisResult:
        return self.make(self)


class _Analyzer(Analyzer):
    needs = AudioNeed(mono=True)

    def __init__(self, name: str, make: Any, save: Any = None) -> None:
        self.name = name
        self.make = make
        self._save = save

    def start(self, info: AudioInfo) -> AnalysisSession:
        return _Session(self.make)

    async def save(self, session: Any, track_id: int, result: AnalysisResult) -> None:
        if self._save is not None:
            await self._save(session, track_id, result)


class _Analyzers(Plugin):
    name = "contract_probe"

    def __init__(self, *analyzers: Analyzer) -> None:
        self.analyzers = analyzers

    @hookimpl
    def register_analyzers(self, ctx: Any) -> list[Analyzer]:
        return list(self.analyzers)


def _good(session: _Session) -> AnalysisResult:
    return AnalysisResult(features={"sample_peak": np.float32(session.peak)}, extras={"kept": "yes"})


async def test_an_unknown_feature_or_a_wrong_type_fails_only_that_analyzer(plugin_app) -> None:
    unknown = _Analyzer("unknown", lambda s: AnalysisResult(features={"brightness": 0.4}, extras={"lost": "1"}))
    wrong = _Analyzer("wrong", lambda s: AnalysisResult(features={"bpm": "fast"}))
    text_as_number = _Analyzer("textual", lambda s: AnalysisResult(features={"key": 9}))
    good = _Analyzer("good", _good)
    async with plugin_app(_Analyzers(unknown, wrong, text_as_number, good)) as core:
        track_id = await core.add_audio()
        report = await core.analyze(track_id)
    assert report.status == {"unknown": "failed", "wrong": "failed", "textual": "failed", "good": "done"}
    assert "unknown feature 'brightness'" in report.errors["unknown"]
    assert "extras" in report.errors["unknown"] and "Analyzer.save" in report.errors["unknown"]
    assert "'bpm' must be a number, not str" in report.errors["wrong"]
    assert "'key' must be text, not int" in report.errors["textual"]
    assert "unknown" not in report.extras  # refused whole: not even its extras
    assert report.extras["good"] == {"kept": "yes"}
    assert 0.4 < report.features["sample_peak"] < 0.6  # the others' features are all kept


async def test_typed_results_reach_the_analyzers_own_table_and_a_failing_save_keeps_nothing(plugin_app) -> None:
    async def save_spectrum(session: Any, track_id: int, result: AnalysisResult) -> None:
        await session.execute(
            text("INSERT INTO probe_spectra (track_id, frames, bands) VALUES (:t, :f, :b)"),
            {"t": track_id, "f": result.data["frames"], "b": result.data["bands"].tolist()},
        )

    async def save_fails(session: Any, track_id: int, result: AnalysisResult) -> None:
        await session.execute(text("INSERT INTO probe_spectra (track_id, frames) VALUES (:t, 1)"), {"t": track_id})
        raise RuntimeError("the table is full")

    spectrum = _Analyzer(
        "spectrum",
        lambda s: AnalysisResult(extras={"bands": "3"}, data={"frames": s.frames, "bands": np.array([0.5, 0.25, 2.0])}),
        save_spectrum,
    )
    failing = _Analyzer("failing", lambda s: AnalysisResult(extras={"lost": "yes"}, data={}), save_fails)
    async with plugin_app(_Analyzers(spectrum, failing)) as core:
        async with core.ctx.session() as session:
            await session.execute(text(
                "CREATE TABLE probe_spectra (track_id bigint, frames integer, bands double precision[])"
            ))
        track_id = await core.add_audio()  # five seconds at 44.1 kHz by default
        report = await core.analyze(track_id)
        async with core.ctx.session() as session:
            rows = (await session.execute(text("SELECT track_id, frames, bands FROM probe_spectra"))).all()
    assert report.status == {"spectrum": "done", "failing": "failed"}
    assert "RuntimeError: the table is full" in report.errors["failing"]
    assert [tuple(r) for r in rows] == [(track_id, 5 * 44100, [0.5, 0.25, 2.0])]  # the failing save's row is gone
    assert report.extras == {"spectrum": {"bands": "3"}}
