"""Finding the same recording in several files, from stored acoustic fingerprints.

Fingerprints are sequences of 32-bit sub-fingerprints (Chromaprint's form). Two tracks are
duplicates when, at their best alignment, few of their bits differ (bit error rate below
:data:`MAX_BIT_ERROR_RATE`), whatever their format, bitrate or tags.

Comparing every pair grows with the square of the library (300 tracks took 6.7 s, 2,000 about
290 s), so pairs are found through an index first, as AcoustID does:

* **terms**: the same recording in two encodings keeps most of its sub-fingerprints bit for bit
  (measured on rendered music: 85–92 % of them against MP3 and Opus, 30–38 % against AAC). A
  track's terms are the distinct sub-fingerprints whose hash falls in one eighth of the hash
  space (:func:`fingerprint_terms`): chosen by value, not position, so two files that start at
  different points keep the same terms (about 115 per minute of audio);
* **candidates**: tracks that share at least :data:`MIN_SHARED_TERMS` terms and whose durations
  are close (:func:`candidate_pairs`). Terms that many tracks share (silence, one repeated
  pattern) tell nothing and are skipped (:data:`STOP_TERM_TRACKS`), which also bounds the work;
* **verification**: each candidate pair is aligned by the positions of their common
  sub-fingerprints and its bit error rate measured there (:func:`verify`).

The work is linear in the library plus the number of candidate pairs, and runs in a worker
(:mod:`sonantica_core.analysis.duplicate_report`), never on the request path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MAX_BIT_ERROR_RATE = 0.15
#: Sub-fingerprints either way an alignment may shift (Chromaprint: about 12 s).
MAX_OFFSET = 100
#: Fewest aligned sub-fingerprints a comparison needs (about 5 s).
MIN_OVERLAP = 40
#: Seconds two durations may differ by and still be one recording.
DURATION_TOLERANCE = 2.5
#: A sub-fingerprint is a term when the top bits of its hash are zero: one in 2**TERM_SHIFT.
TERM_SHIFT = 3
#: Terms two tracks must share to be compared at all.
MIN_SHARED_TERMS = 3
#: A term held by more tracks than this is skipped (it tells nothing and would pair them all).
STOP_TERM_TRACKS = 64
#: At most this many candidate pairs are verified (those sharing the most terms first).
MAX_CANDIDATE_PAIRS = 2_000_000

_HASH = np.uint32(0x9E3779B1)  # Knuth's multiplicative constant: spreads similar codes apart
_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def fingerprint_terms(codes: np.ndarray) -> np.ndarray:
    """The distinct sub-fingerprints of ``codes`` chosen as index terms, sorted (uint32)."""
    codes = np.asarray(codes, dtype=np.uint32)
    hashed = codes * _HASH  # wraps modulo 2**32, as meant
    return np.unique(codes[(hashed >> np.uint32(32 - TERM_SHIFT)) == 0])


def bit_error_rate(a: np.ndarray, b: np.ndarray, offset: int) -> float:
    """The fraction of differing bits with ``b`` shifted by ``offset`` (1.0 below the minimum overlap)."""
    x = a[max(offset, 0) :]
    y = b[max(-offset, 0) :]
    n = min(len(x), len(y))
    if n < MIN_OVERLAP:
        return 1.0
    diff = np.bitwise_xor(x[:n], y[:n]).view(np.uint8)
    return float(_POPCOUNT[diff].sum()) / (n * 32)


def alignments(a: np.ndarray, b: np.ndarray, limit: int = 3) -> list[int]:
    """The offsets (``a`` index minus ``b`` index) most common among equal sub-fingerprints."""
    common, in_a, in_b = np.intersect1d(a, b, assume_unique=False, return_indices=True)
    if len(common) == 0:
        return []
    offsets = in_a.astype(np.int64) - in_b.astype(np.int64)
    offsets = offsets[np.abs(offsets) <= MAX_OFFSET]
    if len(offsets) == 0:
        return []
    values, counts = np.unique(offsets, return_counts=True)
    return [int(v) for v in values[np.argsort(-counts, kind="stable")[:limit]]]


def verify(a: np.ndarray, b: np.ndarray) -> float:
    """The smallest bit error rate of ``a`` and ``b`` near their likeliest alignments."""
    best = 1.0
    for offset in alignments(a, b):
        for shift in (offset - 1, offset, offset + 1):
            best = min(best, bit_error_rate(a, b, shift))
    return best


@dataclass(frozen=True, slots=True)
class IndexedTrack:
    """What the candidate search knows of one track."""

    track_id: int
    algorithm: str
    duration: float | None
    terms: np.ndarray


def candidate_pairs(tracks: Sequence[IndexedTrack]) -> list[tuple[int, int]]:
    """Pairs of track ids worth comparing: same algorithm, close durations, enough shared terms.

    Vectorised: one sort of every (term, track) posting, then the pairs inside each term's
    postings, counted with one more sort. Best candidates (most shared terms) first.
    """
    if len(tracks) < 2:
        return []
    lengths = np.fromiter((len(t.terms) for t in tracks), dtype=np.int64, count=len(tracks))
    if lengths.sum() == 0:
        return []
    terms = np.concatenate([t.terms.astype(np.uint32, copy=False) for t in tracks])
    owners = np.repeat(np.arange(len(tracks), dtype=np.int64), lengths)
    order = np.argsort(terms, kind="stable")
    terms, owners = terms[order], owners[order]
    starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])
    sizes = np.diff(np.r_[starts, len(terms)])
    keep = (sizes >= 2) & (sizes <= STOP_TERM_TRACKS)
    pair_keys = _pairs_within_groups(owners, starts[keep], sizes[keep])
    if len(pair_keys) == 0:
        return []
    keys, shared = np.unique(pair_keys, return_counts=True)
    chosen = shared >= MIN_SHARED_TERMS
    keys, shared = keys[chosen], shared[chosen]
    if len(keys) > MAX_CANDIDATE_PAIRS:
        keys = keys[np.argsort(-shared, kind="stable")[:MAX_CANDIDATE_PAIRS]]
    else:
        keys = keys[np.argsort(-shared, kind="stable")]
    first, second = keys // len(tracks), keys % len(tracks)
    pairs = []
    for i, j in zip(first.tolist(), second.tolist(), strict=True):
        a, b = tracks[i], tracks[j]
        if a.algorithm != b.algorithm:
            continue
        if a.duration is not None and b.duration is not None and abs(a.duration - b.duration) > DURATION_TOLERANCE:
            continue
        pairs.append((a.track_id, b.track_id))
    return pairs


def _pairs_within_groups(owners: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``i * n + j`` (i < j) for every two owners inside each group of postings."""
    n = int(owners.max()) + 1 if len(owners) else 0
    keys: list[np.ndarray] = []
    for size in np.unique(sizes).tolist():
        group_starts = starts[sizes == size]
        members = owners[group_starts[:, None] + np.arange(size)]  # (groups, size)
        left, right = np.triu_indices(size, k=1)
        i, j = members[:, left], members[:, right]
        low, high = np.minimum(i, j), np.maximum(i, j)
        distinct = low != high  # a track's own terms are distinct, but be safe
        keys.append((low * n + high)[distinct])
    return np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)


def group_pairs(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected groups (sorted, by their first id) of matched pairs."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[int, list[int]] = {}
    for track_id in parent:
        groups.setdefault(find(track_id), []).append(track_id)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])
