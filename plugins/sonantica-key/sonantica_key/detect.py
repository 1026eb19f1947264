"""Key and mode from the segment chromagram.

Each of the 24 keys is scored on the whole track by

* the mean correlation of the treble chroma with the key's profile over the
  published profiles in :data:`PROFILES_USED` (one profile's quirks are not the
  decision), plus
* ``BASS_WEIGHT`` times the correlation of the bass chroma with the same profiles
  (a key's tonic and dominant are what its bass plays most: this separates a minor
  key from its relative major, which share every pitch class), plus
* ``VOTE_WEIGHT`` times the share of the ~3 s segments whose own best key it is, plus
* ``EDGE_WEIGHT`` times the share of the bass on the key's tonic in the first and
  last segments with harmony: music opens and closes its phrases on the tonic, which
  tells a key from its relative when the harmony in between is shared.

The confidence is the best score's lead over the runner-up, scaled to 0..1 by
``CONFIDENT_MARGIN``: low when the evidence is split (between a key and its
relative, typically). A track whose harmonic part is weak, or whose chroma matches
no key, gets no key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chroma import Chromagram
from .profiles import PROFILES

PROFILES_USED = ("edma",)
BASS_WEIGHT = 0.5
VOTE_WEIGHT = 0.3
EDGE_WEIGHT = 0.5
CONFIDENT_MARGIN = 0.15
#: Below this mean harmonic share of the segments, nothing is tonal enough for a key.
MIN_HARMONIC_SHARE = 0.55
#: Below this score (profile correlation), the chroma matches no key.
MIN_SCORE = 0.55


@dataclass(frozen=True, slots=True)
class KeyEstimate:
    tonic: int  # pitch class, 0 = C
    mode: str  # "major" or "minor"
    confidence: float  # 0..1
    #: Score of the best key minus that of the runner-up.
    margin: float
    #: The runner-up (tonic, mode).
    runner_up: tuple[int, str]
    chroma: np.ndarray


def _key_matrix() -> np.ndarray:
    """``(profiles, 24, 12)`` standardised profiles: keys 0-11 major, 12-23 minor, tonic rolled."""
    out = []
    for name in PROFILES_USED:
        major, minor = PROFILES[name]
        rows = [np.roll(p, t) for p in (major, minor) for t in range(12)]
        m = np.array(rows, dtype=np.float64)
        m = (m - m.mean(axis=1, keepdims=True)) / m.std(axis=1, keepdims=True)
        out.append(m)
    return np.array(out)


def correlations(chroma: np.ndarray) -> np.ndarray:
    """``(..., 24)`` mean Pearson correlation of chroma rows with each key's profiles."""
    x = np.atleast_2d(chroma).astype(np.float64)
    sd = x.std(axis=1, keepdims=True)
    z = (x - x.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)
    keys = _key_matrix()  # (P, 24, 12)
    return np.einsum("nc,pkc->nk", z, keys) / (12 * len(keys))


def _weights(chromagram: Chromagram) -> np.ndarray:
    w = np.clip(chromagram.harmonic_share, 0.0, None) * (chromagram.treble.max(axis=1) > 0)
    return w / w.sum() if w.sum() > 0 else w


def key_scores(chromagram: Chromagram) -> np.ndarray:
    """Score of each of the 24 keys (0-11 major from C, 12-23 minor from C)."""
    w = _weights(chromagram)
    treble = (w[:, None] * chromagram.treble).sum(axis=0)
    bass = (w[:, None] * chromagram.bass).sum(axis=0)
    scores = correlations(treble)[0]
    if bass.max() > 0:
        scores = scores + BASS_WEIGHT * correlations(bass)[0]
    segments = correlations(chromagram.treble) + BASS_WEIGHT * correlations(chromagram.bass)
    votes = np.zeros(24)
    np.add.at(votes, segments.argmax(axis=1), w)
    return scores + VOTE_WEIGHT * votes + EDGE_WEIGHT * _edge_tonic(chromagram, w)


def _edge_tonic(chromagram: Chromagram, w: np.ndarray) -> np.ndarray:
    """For each key, the share of the bass on its tonic in the first and last harmonic segments."""
    present = np.flatnonzero((w > 0) & (chromagram.bass.max(axis=1) > 0))
    if len(present) == 0:
        return np.zeros(24)
    edges = chromagram.bass[[present[0], present[-1]]]
    share = (edges / edges.sum(axis=1, keepdims=True)).mean(axis=0)
    return np.concatenate((share, share))


def detect_key(chromagram: Chromagram) -> KeyEstimate | None:
    """The key of a track's chromagram, or None when it has no tonal content."""
    if len(chromagram.treble) == 0 or not chromagram.treble.any():
        return None
    w = _weights(chromagram)
    if float(np.sum(chromagram.harmonic_share * (w > 0)) / max(1, np.count_nonzero(w))) < MIN_HARMONIC_SHARE:
        return None
    treble = (w[:, None] * chromagram.treble).sum(axis=0)
    if correlations(treble)[0].max() < MIN_SCORE:
        return None
    scores = key_scores(chromagram)
    order = np.argsort(scores)[::-1]
    best, second = int(order[0]), int(order[1])
    margin = float(scores[best] - scores[second])
    return KeyEstimate(
        tonic=best % 12,
        mode="major" if best < 12 else "minor",
        confidence=float(np.clip(margin / CONFIDENT_MARGIN, 0.0, 1.0)),
        margin=margin,
        runner_up=(second % 12, "major" if second < 12 else "minor"),
        chroma=treble / treble.max() if treble.max() > 0 else treble,
    )
