"""What a user loves, as the personal mixes read it: one place to change when that changes.

A track is a favourite once it has :data:`FAVOURITE_PLAYS` counted plays (skips do not
count), or when the user starred it or rated it :data:`FAVOURITE_RATING` or more, whatever
its plays (``track_annotations``). Loved tracks come first by counted plays, then starred and
well-rated ones with few plays.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

#: Counted plays that make a track a favourite.
FAVOURITE_PLAYS = 3
#: A rating (1–5) that makes a track a favourite.
FAVOURITE_RATING = 4

_LOVED = text("""
WITH played AS (
    SELECT h.track_id, count(*) AS plays
    FROM playback_history h
    WHERE h.user_id = :user AND NOT h.skipped
    GROUP BY h.track_id
), marked AS (
    SELECT a.track_id FROM track_annotations a
    WHERE a.user_id = :user AND (a.starred_at IS NOT NULL OR a.rating >= :rating)
)
SELECT c.track_id, coalesce(p.plays, 0) AS plays
FROM (
    SELECT track_id FROM played WHERE plays >= :plays
    UNION
    SELECT track_id FROM marked
) c
JOIN tracks t ON t.id = c.track_id AND t.removed_at IS NULL
LEFT JOIN played p ON p.track_id = c.track_id
ORDER BY plays DESC, c.track_id
LIMIT :limit
""")


async def loved_tracks(session: AsyncSession, user_id: int, *, limit: int = 500) -> dict[int, int]:
    """The user's favourite tracks, most loved first: track id → counted plays."""
    values = {"user": user_id, "plays": FAVOURITE_PLAYS, "rating": FAVOURITE_RATING, "limit": limit}
    rows = await session.execute(_LOVED, values)
    return {row.track_id: row.plays for row in rows}
