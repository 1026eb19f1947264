"""Comparing fingerprints: bit error rate over aligned sub-fingerprints.

Two fingerprints are slid against each other by up to ``max_offset``
sub-fingerprints (about 8 per second); at each offset the share of differing
bits over the overlap is counted, and the lowest share is the *bit error rate*.
The same recording decoded from FLAC, MP3, AAC or Opus scores below 0.03 on
the generated test music; different music 0.35-0.45 (random bits differ half
the time). Music sharing its chords and timing but not its drums lands near
0.1: chroma fingerprints hear harmony, so such remixes count as duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Fingerprints whose bit error rate is at or below this are the same recording.
DUPLICATE_THRESHOLD = 0.15
#: Largest shift tried, in sub-fingerprints (~0.124 s each): about 12 s.
MAX_OFFSET = 100
#: Overlaps shorter than this many sub-fingerprints (~5 s) are not compared.
MIN_OVERLAP = 40


@dataclass(frozen=True, slots=True)
class Match:
    bit_error_rate: float  # 0 identical .. ~0.5 unrelated
    offset: int  # b[i] aligns with a[i + offset]
    overlap: int  # sub-fingerprints compared

    @property
    def similarity(self) -> float:
        """1 for identical, 0 for unrelated (``1 - 2 * bit_error_rate``, clipped)."""
        return max(0.0, 1.0 - 2.0 * self.bit_error_rate)


def _words(fingerprint: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.asarray(fingerprint, dtype=np.int64).astype(np.uint32)


def _popcount(x: np.ndarray) -> int:
    if hasattr(np, "bitwise_count"):
        return int(np.bitwise_count(x).sum())
    return int(np.unpackbits(x.view(np.uint8)).sum())  # pragma: no cover - numpy < 2


def compare(
    a: Sequence[int] | np.ndarray,
    b: Sequence[int] | np.ndarray,
    *,
    max_offset: int = MAX_OFFSET,
    min_overlap: int = MIN_OVERLAP,
) -> Match | None:
    """Best alignment of two fingerprints (signed or unsigned words), or None if too short."""
    wa, wb = _words(a), _words(b)
    best: Match | None = None
    for offset in range(-max_offset, max_offset + 1):
        start_a, start_b = max(0, offset), max(0, -offset)
        overlap = min(len(wa) - start_a, len(wb) - start_b)
        if overlap < min(min_overlap, len(wa), len(wb)) or overlap <= 0:
            continue
        errors = _popcount(wa[start_a : start_a + overlap] ^ wb[start_b : start_b + overlap])
        rate = errors / (32.0 * overlap)
        if best is None or rate < best.bit_error_rate:
            best = Match(rate, offset, overlap)
    return best


def is_duplicate(
    a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray, *, threshold: float = DUPLICATE_THRESHOLD
) -> bool:
    """True when ``a`` and ``b`` are fingerprints of the same recording."""
    match = compare(a, b)
    return match is not None and match.bit_error_rate <= threshold
