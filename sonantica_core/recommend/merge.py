"""Merging the answers of several recommenders into one ranked list.

Each recommender's scores (0–1) are weighted by the ``RECOMMEND_WEIGHTS`` setting (1.0 for
a recommender it does not name) and averaged over the recommenders that answered, so a
track every recommender proposes with score 1.0 gets 1.0, and a track only one of two
equally weighted recommenders knows gets half its score. Every reason is kept in ``why``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sonantica_core.contract import ScoredTrack
from sonantica_core.settings import Settings


@dataclass(slots=True)
class Recommendation:
    """One merged answer: the track, its merged score, why, and each recommender's own score."""

    track_id: int
    score: float
    why: list[str] = field(default_factory=list)
    sources: dict[str, float] = field(default_factory=dict)


def weights_of(settings: Settings) -> dict[str, float]:
    """``RECOMMEND_WEIGHTS`` as ``{recommender name: weight}``."""
    return dict(getattr(settings, "recommend_weights", ()) or ())


def weight(weights: Mapping[str, float], name: str) -> float:
    return weights.get(name, 1.0)


def clean(answer: object) -> list[ScoredTrack]:
    """A recommender's answer with what is not a usable scored track left out, scores clamped to 0–1."""
    if not isinstance(answer, (list, tuple)):
        return []
    kept: dict[int, ScoredTrack] = {}
    for item in answer:
        if not isinstance(item, ScoredTrack) or isinstance(item.track_id, bool) or not isinstance(item.track_id, int):
            continue
        score = float(item.score) if isinstance(item.score, (int, float)) and math.isfinite(item.score) else 0.0
        if item.track_id not in kept:
            kept[item.track_id] = ScoredTrack(item.track_id, min(1.0, max(0.0, score)), item.reason)
    return list(kept.values())


def merge(
    answers: Sequence[tuple[str, Sequence[ScoredTrack]]],
    weights: Mapping[str, float],
    *,
    limit: int,
    exclude: frozenset[int] = frozenset(),
) -> list[Recommendation]:
    """The weighted average of the answers (recommender name, its tracks), best first."""
    answered = [(name, tracks) for name, tracks in answers if tracks and weight(weights, name) > 0]
    total = sum(weight(weights, name) for name, _ in answered)
    merged: dict[int, Recommendation] = {}
    for name, tracks in answered:
        share = weight(weights, name) / total
        for item in tracks:
            if item.track_id in exclude:
                continue
            found = merged.setdefault(item.track_id, Recommendation(item.track_id, 0.0))
            found.score += share * item.score
            found.sources[name] = round(item.score, 6)
            if item.reason and item.reason not in found.why:
                found.why.append(item.reason)
    ranked = sorted(merged.values(), key=lambda r: (-r.score, r.track_id))
    for item in ranked:
        item.score = round(item.score, 6)
    return ranked[:limit]
