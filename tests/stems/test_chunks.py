"""Chunks in, stems out: bounded chunks with overlap, joined back without seams."""

from __future__ import annotations

import numpy as np
import pytest

from sonantica_core.stems.chunks import Chunker, OverlapAdd


def _blocks(x: np.ndarray, size: int) -> list[np.ndarray]:
    return [x[i : i + size] for i in range(0, len(x), size)]


@pytest.mark.parametrize(("frames", "size", "overlap", "block"), [
    (10_000, 1000, 100, 333), (999, 1000, 100, 64), (1000, 1000, 100, 1000), (1901, 1000, 100, 7),
    (5000, 1000, 0, 250), (1, 10, 3, 1),
])
def test_identity_separation_gives_the_input_back(frames: int, size: int, overlap: int, block: int) -> None:
    x = np.random.default_rng(frames).standard_normal((frames, 2)).astype(np.float32)
    joiner = OverlapAdd(overlap)
    out, sizes = [], []
    for chunk in Chunker(size, overlap).chunks(_blocks(x, block)):
        sizes.append(len(chunk))
        out.append(joiner.push({"a": chunk})["a"])
    out.append(joiner.finish()["a"])
    assert max(sizes) <= size  # bounded, whatever the length
    assert all(s == size for s in sizes[:-1])
    np.testing.assert_allclose(np.concatenate(out), x, atol=1e-6)


def test_chunks_overlap_by_the_overlap() -> None:
    x = np.arange(2500, dtype=np.float32)[:, None]
    chunks = list(Chunker(1000, 100).chunks(_blocks(x, 128)))
    assert [c[0, 0] for c in chunks] == [0, 900, 1800]
    assert [len(c) for c in chunks] == [1000, 1000, 700]


def test_a_chunk_dependent_output_is_cross_faded_without_jumps() -> None:
    """A separator whose output differs per chunk (an offset) ramps from one to the next over the overlap."""
    x = np.zeros((3000, 1), np.float32)
    joiner = OverlapAdd(200)
    out = []
    for n, chunk in enumerate(Chunker(1000, 200).chunks([x])):
        out.append(joiner.push({"a": chunk + n})["a"])
    out.append(joiner.finish()["a"])
    y = np.concatenate(out)[:, 0]
    assert len(y) == 3000
    assert np.abs(np.diff(y)).max() < 1.5 / 200 + 1e-6  # the step of 1 spread over 200 frames
    assert y[0] == 0 and y[799] == 0 and y[1000] == 1 and 0.99 < y[999] < 1
