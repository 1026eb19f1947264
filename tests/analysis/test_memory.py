"""Memory stays bounded: a long file never sits in memory, whatever its length."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
from analysis_helpers import Recorder

from sonantica_core.analysis import PipelineStats, run_analyzers
from sonantica_core.contract import AudioNeed
from sonantica_core.testing.signals import write_audio_stream

RATE = 22050
MINUTES = 10


def _long_file(path: Path) -> Path:
    rng = np.random.default_rng(0)
    chunk = RATE * 10

    def chunks():
        t = np.arange(chunk) / RATE
        for i in range(MINUTES * 6):
            tone = 0.3 * np.sin(2 * np.pi * (220 + 20 * (i % 7)) * t)
            noise = 0.05 * rng.standard_normal(chunk)
            yield np.stack([tone + noise, tone - noise], axis=1).astype(np.float32)

    return write_audio_stream(path, chunks(), RATE, 2, "flac")


def test_ten_minutes_stream_through_a_few_blocks(tmp_path: Path):
    path = _long_file(tmp_path / "long")
    counters = [Recorder("native", keep=False), Recorder("low", AudioNeed(11025, True), keep=False)]
    stats = PipelineStats()
    block_seconds = 2.0
    tracemalloc.start()
    try:
        run_analyzers(path, 1, counters, block_seconds=block_seconds, stats=stats)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    whole = MINUTES * 60 * RATE
    block = int(block_seconds * RATE)
    assert stats.decode.frames == whole
    assert counters[0].frames == whole
    assert abs(counters[1].frames - whole // 2) <= 2
    # Blocks as asked, and never more than one block plus one decoded frame held.
    assert stats.max_block_frames == block
    assert stats.decode.max_buffered_frames <= block + 65536
    assert stats.decode.blocks == -(-whole // block)
    # The decoded file is 10 min x 22050 x 2 x 4 bytes = 106 MB as float32; the run held a few MB.
    assert peak < 16 * 1024 * 1024, peak
