"""The ``sounds-like`` recommender: nearest tracks in the similarity model's space (pgvector).

* ``similar``: the k nearest tracks to the centroid of the seed tracks (one track, an album's,
  any set), score ``1 - cosine distance / 2`` (1.0 = the same recording);
* ``radio`` and ``alchemy``: nearest to a blend of the seeds' centroid and (radio) the last
  track played, away from the tracks to avoid (skips; alchemy's "not like those"): a
  candidate loses what it is closer to an avoided track than to the target;
* ``path``: ``steps`` moves from ``track_id`` to ``options["to"]``: each intermediate track is
  the nearest real track to a point on the way (interpolated between the two) that is closer
  to the destination than the track before it, so every step moves towards it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sonantica_core.contract import RecommendationSeed, Recommender, ScoredTrack
from sonantica_core.db.embeddings import nearest_tracks, similarity, vectors_of

from .vectors import blend, centroid, cosine_distance, unit

#: How much the last track played pulls a radio, beside its seeds (the rest).
RADIO_LAST_WEIGHT = 0.5
#: How strongly avoided tracks push the target away.
AVOID_WEIGHT = 0.35
#: Candidates looked at per path step.
PATH_CANDIDATES = 24


def _model(seed: RecommendationSeed, ctx: Any) -> str:
    return seed.model or ctx.settings.similarity_model


class SoundsLike(Recommender):
    """Tracks that sound like the seeds, from the embedding model's HNSW index."""

    name = "sounds-like"
    purposes = ("similar", "radio", "alchemy", "path")

    async def recommend(self, seed: RecommendationSeed, context: Any) -> Sequence[ScoredTrack]:
        model = _model(seed, context)
        if seed.purpose == "path":
            return await self._path(seed, context, model)
        wanted = list(seed.seeds) + list(seed.avoid_ids)
        last = seed.options.get("last")
        if isinstance(last, int):
            wanted.append(last)
        async with context.session() as session:
            vectors = await vectors_of(session, model, wanted)
            seeds = centroid(vectors[t] for t in seed.seeds if t in vectors)
            if seeds is None:
                return []
            avoided = [vectors[t] for t in seed.avoid_ids if t in vectors]
            target = seeds
            if seed.purpose == "radio" and isinstance(last, int) and last in vectors:
                target = blend([(1 - RADIO_LAST_WEIGHT, seeds), (RADIO_LAST_WEIGHT, vectors[last])])
            if avoided and seed.purpose in ("radio", "alchemy"):
                target = blend([(1.0, target), (-AVOID_WEIGHT, centroid(avoided))])
            assert target is not None
            exclude = set(seed.seeds) | set(seed.exclude_ids) | set(seed.avoid_ids)
            fetch = seed.limit * (3 if avoided else 1)
            found = await nearest_tracks(session, model, target.astype(np.float32), limit=fetch, exclude=list(exclude))
            if not avoided:
                return [ScoredTrack(t, similarity(d), self._why(seed)) for t, d in found]
            near = await vectors_of(session, model, [t for t, _ in found])
        scored = []
        for track_id, distance in found:
            score = similarity(distance)
            if track_id in near:
                closest_avoided = min(cosine_distance(near[track_id], a) for a in avoided)
                score -= max(0.0, distance - closest_avoided) / 2  # nearer a skipped track than the target
            scored.append(ScoredTrack(track_id, max(0.0, score), self._why(seed, steered=True)))
        scored.sort(key=lambda s: -s.score)
        return scored[: seed.limit]

    @staticmethod
    def _why(seed: RecommendationSeed, steered: bool = False) -> str:
        if seed.purpose == "radio":
            return "sounds like the station and the last track" + (", away from what you skipped" if steered else "")
        if seed.purpose == "alchemy":
            return "sounds like what you chose" + (", unlike what you left out" if steered else "")
        return "similar sound" if len(seed.seeds) == 1 else "sounds like the seed tracks"

    async def _path(self, seed: RecommendationSeed, ctx: Any, model: str) -> list[ScoredTrack]:
        start, end = seed.track_id, seed.options.get("to")
        steps = int(seed.options.get("steps", 8))
        if start is None or not isinstance(end, int) or steps < 1:
            return []
        async with ctx.session() as session:
            ends = await vectors_of(session, model, [start, end])
            if start not in ends or end not in ends:
                return []
            a, b = unit(ends[start].astype(np.float64)), unit(ends[end].astype(np.float64))
            path = [ScoredTrack(start, similarity(cosine_distance(a, b)), "the start")]
            used = {start, end, *seed.exclude_ids}
            current = cosine_distance(a, b)
            for step in range(1, steps):
                share = step / steps
                target = blend([(1 - share, a), (share, b)])
                assert target is not None
                found = await nearest_tracks(
                    session, model, target.astype(np.float32), limit=PATH_CANDIDATES, exclude=list(used)
                )
                near = await vectors_of(session, model, [t for t, _ in found])
                for track_id, _ in found:
                    to_end = cosine_distance(near[track_id], b) if track_id in near else 2.0
                    if to_end < current - 1e-6:
                        path.append(ScoredTrack(track_id, similarity(to_end), f"step {step}: {share:.0%} of the way"))
                        used.add(track_id)
                        current = to_end
                        break
        path.append(ScoredTrack(end, 1.0, "the destination"))
        return path
