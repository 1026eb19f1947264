"""The ``listened-together`` recommender: item to item from one user's own plays.

Two tracks are "played together" when the user played both within :data:`SESSION_GAP` of
each other (one listening session). For the seed track, every play of it by this user is
looked at; a candidate's score is the share of those plays it was played near, so 1.0 is
"every time". Only the asking user's history counts: nobody's taste leaks into another's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from sonantica_core.contract import RecommendationSeed, Recommender, ScoredTrack

#: Plays this close in time belong to one session.
SESSION_GAP_MINUTES = 30
#: The seed's most recent plays looked at.
SEED_PLAYS = 200

_TOGETHER = text(f"""
WITH seed AS (
    SELECT played_at FROM playback_history
    WHERE user_id = :u AND track_id = ANY(:seeds) AND NOT skipped
    ORDER BY played_at DESC LIMIT {SEED_PLAYS}
)
SELECT other.track_id, count(DISTINCT seed.played_at) AS sessions, (SELECT count(*) FROM seed) AS total
FROM seed JOIN playback_history other
  ON other.user_id = :u
 AND other.played_at BETWEEN seed.played_at - interval '{SESSION_GAP_MINUTES} minutes'
                         AND seed.played_at + interval '{SESSION_GAP_MINUTES} minutes'
 AND NOT other.skipped
JOIN tracks t ON t.id = other.track_id AND t.removed_at IS NULL
WHERE NOT (other.track_id = ANY(:exclude))
GROUP BY other.track_id
ORDER BY sessions DESC, other.track_id
LIMIT :limit
""")


class ListenedTogether(Recommender):
    """Tracks this user plays in the same sessions as the seed tracks."""

    name = "listened-together"
    purposes = ("together", "similar")

    async def recommend(self, seed: RecommendationSeed, context: Any) -> Sequence[ScoredTrack]:
        seeds = list(seed.seeds)
        if not seeds:
            return []
        async with context.session() as session:
            rows = (
                await session.execute(
                    _TOGETHER,
                    {"u": seed.user_id, "seeds": seeds, "exclude": seeds + list(seed.exclude_ids), "limit": seed.limit},
                )
            ).all()
        return [
            ScoredTrack(
                row.track_id, min(1.0, row.sessions / max(row.total, 1)),
                f"played together ({row.sessions} of {row.total} sessions)",
            )
            for row in rows
        ]
