"""Decode once, analyse many: runs a set of analyzers over one file.

:func:`run_analyzers` decodes the file once, in blocks, derives each distinct
:class:`~sonantica_core.contract.AudioNeed` once per block and feeds every
analyzer's session. An analyzer that raises (in ``start``, ``feed`` or
``finish``) is recorded as its exception and the others go on; a file that
cannot be decoded raises :class:`~sonantica_core.analysis.errors.AudioDecodeError`.

A file that decodes for only part of its length is analysed over what decodes;
every result then carries the extra ``partial`` saying how much decoded and why
it stopped (also in :attr:`PipelineStats.partial`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed
from .decode import AudioDecoder, DecodeStats, StreamFormat
from .derive import FormDeriver

#: Default length of the blocks the file is decoded in.
DEFAULT_BLOCK_SECONDS = 5.0
#: Extra set on every result of a file that decoded only in part.
PARTIAL_EXTRA = "partial"


@dataclass(slots=True)
class PipelineStats:
    """What one run did: filled by :func:`run_analyzers` when passed in."""

    format: StreamFormat | None = None
    decode: DecodeStats = field(default_factory=DecodeStats)
    #: CPU seconds spent decoding and converting to float32.
    decode_seconds: float = 0.0
    #: CPU seconds spent deriving mono and resampled forms.
    derive_seconds: float = 0.0
    #: CPU seconds each analyzer spent in start, feed and finish.
    analyzer_seconds: dict[str, float] = field(default_factory=dict)
    #: Largest block handed to an analyzer, in frames.
    max_block_frames: int = 0
    #: Set when only part of the file decoded: how much, and why it stopped.
    partial: str | None = None


@dataclass(slots=True)
class _Running:
    analyzer: Analyzer
    need: AudioNeed
    session: AnalysisSession


def _note(exc: BaseException, name: str, phase: str) -> BaseException:
    exc.add_note(f"analyzer {name!r} failed in {phase}")
    return exc


def _timed_blocks(blocks: Iterator[np.ndarray], stats: PipelineStats) -> Iterator[np.ndarray]:
    while True:
        started = time.process_time()
        block = next(blocks, None)
        stats.decode_seconds += time.process_time() - started
        if block is None:
            return
        yield block


def run_analyzers(
    path: str | Path,
    track_id: int,
    analyzers: Sequence[Analyzer],
    block_seconds: float = DEFAULT_BLOCK_SECONDS,
    *,
    stats: PipelineStats | None = None,
) -> dict[str, AnalysisResult | Exception]:
    """Decode ``path`` once and run every analyzer on it.

    Returns ``{analyzer.name: AnalysisResult or the Exception it raised}``; each
    result has ``track_id`` set. Blocks are read-only: analyzers with the same
    need share them, so one that writes into a block fails alone. Raises
    :class:`~sonantica_core.analysis.errors.AudioDecodeError` when the file is not
    decodable audio (then no analyzer has a result), and ``ValueError`` for two
    analyzers with the same name or a non-positive ``block_seconds``.
    """
    if block_seconds <= 0:
        raise ValueError("block_seconds must be positive")
    names = [a.name for a in analyzers]
    if len(set(names)) != len(names) or any(not n for n in names):
        raise ValueError(f"analyzer names must be unique and non-empty: {names}")
    stats = stats if stats is not None else PipelineStats()
    results: dict[str, AnalysisResult | Exception] = {}
    seconds = stats.analyzer_seconds
    for name in names:
        seconds.setdefault(name, 0.0)

    with AudioDecoder(path) as decoder:
        stats.decode = decoder.stats
        fmt = decoder.format
        stats.format = fmt
        deriver = FormDeriver(fmt.sample_rate, fmt.channels, fmt.layout)
        running: list[_Running] = []
        for analyzer in analyzers:
            started = time.process_time()
            try:
                need = deriver.normalise(analyzer.needs)
                info = AudioInfo(
                    track_id=track_id,
                    path=Path(path),
                    native_sample_rate=fmt.sample_rate,
                    native_channels=fmt.channels,
                    channel_layout=fmt.layout,
                    duration=fmt.duration,
                    sample_rate=deriver.output_rate(need),
                    channels=deriver.output_channels(need),
                )
                session = analyzer.start(info)
            except Exception as exc:
                results[analyzer.name] = _note(exc, analyzer.name, "start")
            else:
                running.append(_Running(analyzer, need, session))
            seconds[analyzer.name] += time.process_time() - started

        def feed_all(form_of: dict[AudioNeed, np.ndarray | None]) -> None:
            for block in form_of.values():
                if block is not None:
                    block.flags.writeable = False  # shared by every analyzer with that need
            for item in list(running):
                block = form_of.get(item.need)
                if block is None or len(block) == 0:
                    continue
                stats.max_block_frames = max(stats.max_block_frames, len(block))
                started = time.process_time()
                try:
                    item.session.feed(block)
                except Exception as exc:
                    results[item.analyzer.name] = _note(exc, item.analyzer.name, "feed")
                    running.remove(item)
                seconds[item.analyzer.name] += time.process_time() - started

        block_frames = max(1, round(block_seconds * fmt.sample_rate))
        for block in _timed_blocks(decoder.blocks(block_frames), stats):
            if not running:
                break  # every analyzer has failed: nothing left to feed
            started = time.process_time()
            deriver.next_block()
            forms = {item.need: deriver.derive(block, item.need) for item in running}
            stats.derive_seconds += time.process_time() - started
            feed_all(forms)

        started = time.process_time()
        tails = {item.need: deriver.flush(item.need) for item in running}
        stats.derive_seconds += time.process_time() - started
        feed_all(tails)
        stats.partial = decoder.partial

    for item in running:
        started = time.process_time()
        try:
            result = item.session.finish()
            if not isinstance(result, AnalysisResult):
                raise TypeError(f"finish() returned {type(result).__name__}, not AnalysisResult")
            result.track_id = track_id
            if stats.partial is not None:
                result.extras[PARTIAL_EXTRA] = stats.partial
            results[item.analyzer.name] = result
        except Exception as exc:
            results[item.analyzer.name] = _note(exc, item.analyzer.name, "finish")
        seconds[item.analyzer.name] += time.process_time() - started
    return {name: results[name] for name in names}
