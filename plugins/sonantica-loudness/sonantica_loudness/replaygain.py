"""ReplayGain 2.0 values and the compact block histogram used for album gain.

Track gain is ``-18 - I`` (the -18 LUFS reference of ReplayGain 2.0). Album gain
is computed from the gating blocks of all the album's tracks pooled together
(as libebur128's ``loudness_global_multiple``), not by averaging track gains.
A track keeps its blocks as a histogram of 0.01 LU bins above the absolute gate:
a few kilobytes whatever its length, and at most 0.005 LU off per block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .gating import ABSOLUTE_GATE_LUFS, energy_to_lufs, gated_loudness, lufs_to_energy

REFERENCE_LUFS = -18.0
BIN_LU = 0.01


def track_gain(integrated_lufs: float | None) -> float | None:
    """ReplayGain 2.0 gain in dB for a loudness, None for silence."""
    return None if integrated_lufs is None else REFERENCE_LUFS - integrated_lufs


def block_histogram(block_energies: np.ndarray) -> dict[str, Any]:
    """``{"offset": first bin, "counts": [...]}`` of the blocks above the absolute gate.

    Bin ``i`` holds blocks with loudness in ``[-70 + i/100, -70 + (i+1)/100)`` LUFS.
    """
    loudness = energy_to_lufs(np.asarray(block_energies, dtype=np.float64))
    loudness = loudness[loudness > ABSOLUTE_GATE_LUFS]
    if len(loudness) == 0:
        return {"offset": 0, "counts": []}
    bins = np.floor((loudness - ABSOLUTE_GATE_LUFS) / BIN_LU).astype(np.int64)
    first = int(bins.min())
    counts = np.bincount(bins - first)
    return {"offset": first, "counts": counts.tolist()}


def histogram_energies(histograms: Iterable[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Pool histograms into ``(bin centre energies, counts)``."""
    pooled: dict[int, int] = {}
    for histogram in histograms:
        offset = int(histogram.get("offset", 0))
        for i, count in enumerate(histogram.get("counts", ())):
            if count:
                pooled[offset + i] = pooled.get(offset + i, 0) + int(count)
    if not pooled:
        return np.zeros(0), np.zeros(0)
    index = np.array(sorted(pooled))
    counts = np.array([pooled[i] for i in index], dtype=np.float64)
    centres = ABSOLUTE_GATE_LUFS + (index + 0.5) * BIN_LU
    return np.asarray(lufs_to_energy(centres)), counts


def album_loudness(histograms: Iterable[Mapping[str, Any]]) -> float | None:
    """Integrated loudness of the pooled gating blocks of several tracks."""
    energies, counts = histogram_energies(histograms)
    if len(energies) == 0:
        return None
    return gated_loudness(energies, counts)
