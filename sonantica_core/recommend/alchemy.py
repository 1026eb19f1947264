"""Alchemy: "like these, but not like those", with a temperature for variety.

The included items' tracks are the seeds, the excluded items' tracks are avoided (the
recommenders steer away from how they sound) and never returned. At temperature 0 the
answer is the best first; above it, tracks are drawn without replacement with
probabilities ``softmax(score / temperature)`` from a pool three times the size asked, so
the answer varies from call to call (``seed`` makes a draw repeatable).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from sonantica_core.context import CoreContext
from sonantica_core.contract import RecommendationSeed
from sonantica_core.recommend.merge import Recommendation
from sonantica_core.recommend.service import recommend

#: The pool drawn from is this many times the tracks asked for.
POOL = 3


def draw(found: Sequence[Recommendation], limit: int, temperature: float, rng: random.Random) -> list[Recommendation]:
    """``limit`` of ``found``: the best at temperature 0, a softmax draw above it (kept in score order)."""
    if temperature <= 0 or len(found) <= limit:
        return list(found[:limit])
    scores = np.array([r.score for r in found], dtype=np.float64)
    weights = np.exp((scores - scores.max()) / temperature)
    pool = list(range(len(found)))
    picked: list[int] = []
    for _ in range(limit):
        total = float(weights[pool].sum())
        point, running = rng.random() * total, 0.0
        for position, index in enumerate(pool):
            running += float(weights[index])
            if running >= point:
                picked.append(pool.pop(position))
                break
        else:
            picked.append(pool.pop())
    return [found[i] for i in sorted(picked)]


async def alchemy(
    ctx: CoreContext, user_id: int, include: Sequence[int], exclude: Sequence[int], *, limit: int = 25,
    temperature: float = 0.0, seed: int | None = None,
) -> list[Recommendation]:
    """Tracks like ``include`` and unlike ``exclude`` (track ids), ``limit`` of them."""
    asked = RecommendationSeed(
        user_id=user_id, purpose="alchemy", track_ids=tuple(include), avoid_ids=tuple(exclude),
        exclude_ids=tuple(exclude), limit=limit * (POOL if temperature > 0 else 1),
        options={"temperature": temperature},
    )
    found = await recommend(ctx, asked)
    return draw(found, limit, temperature, random.Random(seed))
