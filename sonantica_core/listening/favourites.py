"""What a user loves, as the personal mixes read it: one place to change when that changes.

Today it is read from play history: a track is a favourite once it has
:data:`FAVOURITE_PLAYS` counted plays (skips do not count). Star or rating data can be
merged here (a starred track is a favourite whatever its plays) without touching the mixes.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

#: Counted plays that make a track a favourite.
FAVOURITE_PLAYS = 3

_LOVED = text("""
SELECT h.track_id, count(*) AS plays
FROM playback_history h JOIN tracks t ON t.id = h.track_id AND t.removed_at IS NULL
WHERE h.user_id = :user AND NOT h.skipped
GROUP BY h.track_id
HAVING count(*) >= :plays
ORDER BY plays DESC, h.track_id
LIMIT :limit
""")


async def loved_tracks(session: AsyncSession, user_id: int, *, limit: int = 500) -> dict[int, int]:
    """The user's favourite tracks, most loved first: track id → counted plays."""
    rows = await session.execute(_LOVED, {"user": user_id, "plays": FAVOURITE_PLAYS, "limit": limit})
    return {row.track_id: row.plays for row in rows}
