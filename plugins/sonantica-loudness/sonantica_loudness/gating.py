"""Gated loudness (BS.1770-4) and loudness range (EBU Tech 3342) from block energies.

A block's *energy* is its channel-weighted mean square after K-weighting,
``sum_i G_i * z_i``; its loudness is ``-0.691 + 10 log10(energy)`` LUFS.
"""

from __future__ import annotations

import math

import numpy as np

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
LRA_LOW_PERCENTILE = 0.10
LRA_HIGH_PERCENTILE = 0.95


def energy_to_lufs(energy: np.ndarray | float) -> np.ndarray | float:
    """Loudness in LUFS of block energies (``-inf`` for zero)."""
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(energy)


def lufs_to_energy(lufs: np.ndarray | float) -> np.ndarray | float:
    """The block energy with loudness ``lufs``."""
    return 10.0 ** ((np.asarray(lufs) + 0.691) / 10.0)


def gated_loudness(energies: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Integrated loudness of 400 ms gating-block energies, or None when all are gated.

    ``weights`` (counts) lets a histogram of blocks stand for the blocks.
    """
    energies = np.asarray(energies, dtype=np.float64)
    counts = np.ones_like(energies) if weights is None else np.asarray(weights, dtype=np.float64)
    absolute = energies > lufs_to_energy(ABSOLUTE_GATE_LUFS)
    if not np.any(counts[absolute]):
        return None
    mean = np.average(energies[absolute], weights=counts[absolute])
    relative = absolute & (energies > mean * 10.0 ** (RELATIVE_GATE_LU / 10.0))
    if not np.any(counts[relative]):
        return None
    return float(energy_to_lufs(np.average(energies[relative], weights=counts[relative])))


def loudness_range(short_term_energies: np.ndarray) -> float | None:
    """Loudness range (LU) of 3 s short-term energies per EBU Tech 3342.

    Absolute gate -70 LUFS, relative gate 20 LU below the mean of what passed,
    then the spread between the 10th and 95th percentiles (nearest-rank, as
    libebur128). None when no block passes the gates.
    """
    energies = np.asarray(short_term_energies, dtype=np.float64)
    energies = energies[energies > lufs_to_energy(ABSOLUTE_GATE_LUFS)]
    if len(energies) == 0:
        return None
    threshold = np.mean(energies) * 10.0 ** (LRA_RELATIVE_GATE_LU / 10.0)
    energies = np.sort(energies[energies > threshold])
    if len(energies) == 0:
        return None
    last = len(energies) - 1
    low = energies[int(last * LRA_LOW_PERCENTILE + 0.5)]
    high = energies[int(last * LRA_HIGH_PERCENTILE + 0.5)]
    return float(energy_to_lufs(high) - energy_to_lufs(low))


def sliding_energies(subblock_sums: np.ndarray, subblocks: int, step: int) -> np.ndarray:
    """Mean energies of windows of ``subblocks`` consecutive 100 ms sub-blocks.

    ``subblock_sums`` are sums of weighted squared samples over ``step`` samples
    each; a window advances one sub-block (100 ms) at a time. Windows are only
    those fully inside the signal.
    """
    sums = np.asarray(subblock_sums, dtype=np.float64)
    if len(sums) < subblocks:
        return np.zeros(0)
    # A direct sum (not a difference of cumulative sums) keeps quiet windows
    # exact beside loud ones.
    windows = np.convolve(sums, np.ones(subblocks), mode="valid")
    return windows / (subblocks * step)


def db(value: float) -> float | None:
    """20 log10 of a linear amplitude, None for zero."""
    return 20.0 * math.log10(value) if value > 0 else None
