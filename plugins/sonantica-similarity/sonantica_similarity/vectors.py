"""Vector helpers of the sound recommenders: unit vectors, centroids, cosine measures."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def centroid(vectors: Iterable[np.ndarray]) -> np.ndarray | None:
    """The direction of the mean of the unit vectors (None for none): a set's centre in cosine space."""
    rows = [unit(np.asarray(v, dtype=np.float64)) for v in vectors]
    if not rows:
        return None
    return unit(np.mean(rows, axis=0))


def cosine_distance(a: np.ndarray, b: np.ndarray) -> float:
    """pgvector's ``<=>``: 1 - cosine similarity, from 0 (same direction) to 2."""
    return float(1.0 - np.dot(unit(np.asarray(a, np.float64)), unit(np.asarray(b, np.float64))))


def blend(parts: Iterable[tuple[float, np.ndarray | None]]) -> np.ndarray | None:
    """The unit direction of the weighted sum of unit vectors (missing parts left out)."""
    total: np.ndarray | None = None
    for weight, vector in parts:
        if vector is None:
            continue
        term = weight * unit(np.asarray(vector, dtype=np.float64))
        total = term if total is None else total + term
    return None if total is None else unit(total)
