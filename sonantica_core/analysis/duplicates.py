"""Finding the same recording in several files, from stored acoustic fingerprints.

Fingerprints are sequences of 32-bit sub-fingerprints (Chromaprint's form). Two
tracks are duplicates when, at the best alignment, few of their bits differ
(bit error rate below :data:`MAX_BIT_ERROR_RATE`), whatever their format,
bitrate or tags. Candidates are first paired by duration, so the cost stays far
below comparing every pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import select

from sonantica_core.context import CoreContext
from sonantica_core.db.analysis import TrackFingerprint
from sonantica_core.db.library import Track

MAX_BIT_ERROR_RATE = 0.15
MAX_OFFSET = 100  # sub-fingerprints either way (Chromaprint: about 12 s)
MIN_OVERLAP = 40
DURATION_TOLERANCE = 2.5  # seconds

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def bit_error_rate(a: np.ndarray, b: np.ndarray, max_offset: int = MAX_OFFSET) -> float:
    """The smallest fraction of differing bits over alignments within ``max_offset``."""
    best = 1.0
    for offset in range(-max_offset, max_offset + 1):
        x = a[max(offset, 0) :]
        y = b[max(-offset, 0) :]
        n = min(len(x), len(y))
        if n < MIN_OVERLAP:
            continue
        diff = np.bitwise_xor(x[:n], y[:n]).view(np.uint8)
        rate = float(_POPCOUNT[diff].sum()) / (n * 32)
        best = min(best, rate)
    return best


def group_duplicates(items: Sequence[tuple[int, str, float | None, np.ndarray]]) -> list[list[int]]:
    """Group (track id, algorithm, duration, codes) whose fingerprints match."""
    order = sorted(items, key=lambda item: (item[1], item[2] or 0.0))
    parent = {item[0]: item[0] for item in items}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, (track_a, algo_a, dur_a, codes_a) in enumerate(order):
        for track_b, algo_b, dur_b, codes_b in order[i + 1 :]:
            if algo_b != algo_a:
                break
            if dur_a is not None and dur_b is not None and dur_b - dur_a > DURATION_TOLERANCE:
                break
            if find(track_a) == find(track_b):
                continue
            if bit_error_rate(codes_a, codes_b) <= MAX_BIT_ERROR_RATE:
                parent[find(track_b)] = find(track_a)
    groups: dict[int, list[int]] = {}
    for track_id in parent:
        groups.setdefault(find(track_id), []).append(track_id)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


async def find_duplicate_groups(ctx: CoreContext) -> list[dict[str, Any]]:
    """Duplicate groups among the library's present tracks, with their files."""
    async with ctx.session() as session:
        rows = (
            await session.execute(
                select(
                    TrackFingerprint.track_id,
                    TrackFingerprint.algorithm,
                    TrackFingerprint.duration,
                    TrackFingerprint.fingerprint,
                )
                .join(Track, Track.id == TrackFingerprint.track_id)
                .where(Track.removed_at.is_(None))
            )
        ).all()
        items = [(r.track_id, r.algorithm, r.duration, np.frombuffer(r.fingerprint, dtype=np.uint32)) for r in rows]
        groups = group_duplicates(items)
        ids = [track_id for group in groups for track_id in group]
        tracks = (
            {t.id: t for t in (await session.execute(select(Track).where(Track.id.in_(ids)))).scalars()} if ids else {}
        )
    return [
        {
            "tracks": [
                {
                    "id": tid,
                    "title": tracks[tid].title,
                    "artist": tracks[tid].artist,
                    "path": f"{tracks[tid].root}/{tracks[tid].relative_path}",
                    "codec": tracks[tid].codec,
                    "lossless": tracks[tid].lossless,
                    "bitrate": tracks[tid].bitrate,
                    "size": tracks[tid].size,
                }
                for tid in group
            ]
        }
        for group in groups
    ]
