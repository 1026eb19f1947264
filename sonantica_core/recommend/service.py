"""Asking the recommenders of every active plugin for one purpose, and merging their answers.

Each :class:`~sonantica_core.contract.Recommender` that lists the seed's purpose (and whose
weight is not 0) is awaited under the plugins' ``hook_timeout``; one that fails or overruns
is logged and left out, the others still answer.
"""

from __future__ import annotations

from sonantica_core.context import CoreContext
from sonantica_core.contract import RecommendationSeed, Recommender, ScoredTrack
from sonantica_core.plugins.manager import manager_of
from sonantica_core.recommend.merge import Recommendation, clean, merge, weight, weights_of


def recommenders_for(ctx: CoreContext, purpose: str) -> list[Recommender]:
    """The active plugins' recommenders that answer ``purpose``, heaviest weight first."""
    weights = weights_of(ctx.settings)
    found = [
        r for r in manager_of(ctx).recommenders()
        if purpose in tuple(getattr(r, "purposes", ("similar",))) and weight(weights, r.name) > 0
    ]
    return sorted(found, key=lambda r: -weight(weights, r.name))


async def recommend(ctx: CoreContext, seed: RecommendationSeed) -> list[Recommendation]:
    """Every recommender's answer for ``seed``, merged; seeds and ``exclude_ids`` never come back."""
    manager = manager_of(ctx)
    answers = await manager.ask_each(
        recommenders_for(ctx, seed.purpose), lambda r: r.recommend(seed, ctx), what=f"{seed.purpose} recommendation"
    )
    named = [(provider.name, clean(answer)) for provider, answer in answers]
    exclude = frozenset(seed.seeds) | frozenset(seed.exclude_ids) | frozenset(seed.avoid_ids)
    return merge(named, weights_of(ctx.settings), limit=seed.limit, exclude=exclude)


async def first_answer(ctx: CoreContext, seed: RecommendationSeed) -> tuple[str, list[ScoredTrack]] | None:
    """The answer of the heaviest recommender that has one, in its own order (for sonic paths)."""
    found = await manager_of(ctx).ask_first(
        recommenders_for(ctx, seed.purpose),
        lambda r: _or_none(r, seed, ctx),
        what=f"{seed.purpose} recommendation",
    )
    if found is None:
        return None
    provider, answer = found
    return provider.name, clean(answer)


async def _or_none(recommender: Recommender, seed: RecommendationSeed, ctx: CoreContext) -> object:
    answer = await recommender.recommend(seed, ctx)
    return answer if answer else None
