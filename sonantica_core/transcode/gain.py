"""ReplayGain as a linear factor, with clipping prevention from the peak, and its application."""

from __future__ import annotations

import numpy as np

__all__ = ["apply_gain", "gain_factor"]


def gain_factor(gain_db: float | None, peak: float | None, preamp_db: float = 0.0) -> float:
    """The factor for a ReplayGain ``gain_db`` (None: 1.0), lowered so that ``peak`` × factor ≤ 1."""
    if gain_db is None:
        return 1.0
    factor = 10.0 ** ((gain_db + preamp_db) / 20.0)
    if peak is not None and peak > 0 and peak * factor > 1.0:
        factor = 1.0 / peak
    return factor


def apply_gain(samples: np.ndarray, factor: float) -> np.ndarray:
    """``samples`` (float in [-1, 1], or signed integers) scaled by ``factor``, never past full scale."""
    if samples.dtype.kind == "f":
        out = samples * np.float32(factor)
        np.clip(out, -1.0, 1.0, out=out)
        return out.astype(samples.dtype, copy=False)
    info = np.iinfo(samples.dtype)
    scaled = np.rint(samples.astype(np.float64) * factor)
    return np.clip(scaled, info.min, info.max).astype(samples.dtype)
