"""Harmonic mixing: which Camelot keys and tempi go with a track's."""

from __future__ import annotations

import re

from sonantica_core.text.musickeys import compatible

_CAMELOT = re.compile(r"^(1[0-2]|[1-9])([AB])$")
#: How well each kind of key move mixes (score factor) and how it is told.
KEY_MOVES = {"same": (1.0, "same key"), "adjacent": (0.9, "adjacent key"), "relative": (0.85, "relative key")}
#: A tempo within this share of the seed's (or of its half or double) mixes.
TEMPO_TOLERANCE = 0.06


def compatible_keys(camelot: str) -> dict[str, str]:
    """``{camelot key: move}`` for the keys that mix with ``camelot``: the same key, one step
    around the wheel either way (same letter), and the relative key (same number, other letter)."""
    code = camelot.strip().upper()
    if _CAMELOT.match(code) is None:
        return {}
    same, down, up, relative = compatible(code)
    return {same: "same", down: "adjacent", up: "adjacent", relative: "relative"}


def tempo_ratio(seed_bpm: float, bpm: float) -> float | None:
    """How far ``bpm`` is from ``seed_bpm`` or its half or double, as a share (None: too far)."""
    if seed_bpm <= 0 or bpm <= 0:
        return None
    best = min(abs(bpm / (seed_bpm * factor) - 1.0) for factor in (0.5, 1.0, 2.0))
    return best if best <= TEMPO_TOLERANCE + 1e-9 else None


def tempo_windows(seed_bpm: float) -> list[tuple[float, float]]:
    """The BPM ranges that mix with ``seed_bpm``: ±6 % around it, its half and its double."""
    return [(seed_bpm * f * (1 - TEMPO_TOLERANCE), seed_bpm * f * (1 + TEMPO_TOLERANCE)) for f in (0.5, 1.0, 2.0)]
