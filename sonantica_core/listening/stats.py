"""One user's listening statistics, and the admin's view across users.

Each statistic is one SQL query over ``playback_history`` restricted to the user (and the
range): the index ``(user_id, played_at) INCLUDE (track_id, duration_played, skipped)``
answers the range scans from the index alone, ``(user_id, track_id, played_at)`` the first
plays of tracks, and ``(played_at) INCLUDE (...)`` the admin view. Tops are aggregated per
track first, then joined to the library, so the join is as small as the user's distinct
tracks. Only counted plays (not skips) make tops, activity, discoveries and streaks; the
summary counts skips too.

Nothing here reads another user's rows: every per-user query has ``user_id = :user`` and the
admin view returns totals per user and tracks that several people played, never a user's plays.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import text

from sonantica_core.listening.periods import Range

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

TopKind = Literal["tracks", "albums", "artists", "genres"]
TOP_KINDS: tuple[str, ...] = ("tracks", "albums", "artists", "genres")
#: A track shows in the admin's server-wide top only when at least this many people played it.
MIN_LISTENERS = 2

_PER_TRACK = """
WITH per_track AS (
    SELECT h.track_id, count(*) AS plays, coalesce(sum(h.duration_played), 0) AS seconds
    FROM playback_history h
    WHERE h.user_id = :user AND h.played_at >= :start AND h.played_at < :end AND NOT h.skipped
    GROUP BY h.track_id
)
"""

_TOPS: dict[str, str] = {
    "tracks": _PER_TRACK + """
SELECT p.track_id AS id, t.title AS name, t.artist AS artist, p.plays, p.seconds
FROM per_track p JOIN tracks t ON t.id = p.track_id
ORDER BY p.plays DESC, p.seconds DESC, p.track_id
LIMIT :limit""",
    "albums": _PER_TRACK + """
SELECT a.id, a.title AS name, a.album_artist AS artist, sum(p.plays)::bigint AS plays, sum(p.seconds) AS seconds
FROM per_track p JOIN tracks t ON t.id = p.track_id JOIN albums a ON a.id = t.album_id
GROUP BY a.id
ORDER BY plays DESC, seconds DESC, a.id
LIMIT :limit""",
    "artists": _PER_TRACK + """
SELECT ar.id, ar.name, NULL AS artist, sum(p.plays)::bigint AS plays, sum(p.seconds) AS seconds
FROM per_track p JOIN track_artists ta ON ta.track_id = p.track_id JOIN artists ar ON ar.id = ta.artist_id
GROUP BY ar.id
ORDER BY plays DESC, seconds DESC, ar.id
LIMIT :limit""",
    "genres": _PER_TRACK + """
SELECT g.id, g.name, NULL AS artist, sum(p.plays)::bigint AS plays, sum(p.seconds) AS seconds
FROM per_track p JOIN track_genres tg ON tg.track_id = p.track_id JOIN genres g ON g.id = tg.genre_id
GROUP BY g.id
ORDER BY plays DESC, seconds DESC, g.id
LIMIT :limit""",
}

_SUMMARY = text("""
SELECT count(*) FILTER (WHERE NOT skipped) AS plays,
       count(*) FILTER (WHERE skipped) AS skips,
       coalesce(sum(duration_played), 0) AS seconds,
       count(DISTINCT track_id) FILTER (WHERE NOT skipped) AS tracks,
       min(played_at) AS first_play, max(played_at) AS last_play
FROM playback_history
WHERE user_id = :user AND played_at >= :start AND played_at < :end
""")

_BY_DAY = text("""
SELECT (played_at AT TIME ZONE :tz)::date AS bucket, count(*) AS plays, coalesce(sum(duration_played), 0) AS seconds
FROM playback_history
WHERE user_id = :user AND played_at >= :start AND played_at < :end AND NOT skipped
GROUP BY 1 ORDER BY 1
""")

_BY_HOUR = text("""
SELECT extract(hour FROM played_at AT TIME ZONE :tz)::int AS bucket, count(*) AS plays,
       coalesce(sum(duration_played), 0) AS seconds
FROM playback_history
WHERE user_id = :user AND played_at >= :start AND played_at < :end AND NOT skipped
GROUP BY 1 ORDER BY 1
""")

_DISCOVERIES = text("""
WITH firsts AS (
    SELECT track_id, min(played_at) AS first_play
    FROM playback_history
    WHERE user_id = :user AND NOT skipped
    GROUP BY track_id
), artist_firsts AS (
    SELECT ta.artist_id, min(f.first_play) AS first_play
    FROM firsts f JOIN track_artists ta ON ta.track_id = f.track_id
    GROUP BY ta.artist_id
), new_artists AS (
    SELECT a.id, a.name, af.first_play
    FROM artist_firsts af JOIN artists a ON a.id = af.artist_id
    WHERE af.first_play >= :start AND af.first_play < :end
)
SELECT (SELECT count(*) FROM firsts WHERE first_play >= :start AND first_play < :end) AS tracks,
       (SELECT count(*) FROM new_artists) AS artist_count,
       (SELECT coalesce(json_agg(json_build_object('id', id, 'name', name, 'first_played', first_play)
                                 ORDER BY first_play DESC, id), '[]'::json)
        FROM (SELECT * FROM new_artists ORDER BY first_play DESC, id LIMIT :limit) n) AS artists
""")

_STREAKS = text("""
WITH days AS (
    SELECT DISTINCT (played_at AT TIME ZONE :tz)::date AS day
    FROM playback_history
    WHERE user_id = :user AND played_at >= :start AND played_at < :end AND NOT skipped
), grouped AS (
    SELECT day, day - (row_number() OVER (ORDER BY day))::int AS run FROM days
), runs AS (
    SELECT min(day) AS first_day, max(day) AS last_day, count(*) AS days FROM grouped GROUP BY run
)
SELECT (SELECT count(*) FROM days) AS active_days,
       (SELECT json_build_object('start', first_day, 'end', last_day, 'days', days)
        FROM runs ORDER BY days DESC, last_day DESC LIMIT 1) AS longest,
       (SELECT json_build_object('start', first_day, 'end', last_day, 'days', days)
        FROM runs WHERE last_day >= CAST(:today AS date) - 1 ORDER BY last_day DESC LIMIT 1) AS current
""")

_ADMIN_USERS = text("""
SELECT u.id AS user_id, u.username, s.plays, s.skips, s.seconds
FROM (
    SELECT user_id, count(*) FILTER (WHERE NOT skipped) AS plays, count(*) FILTER (WHERE skipped) AS skips,
           coalesce(sum(duration_played), 0) AS seconds
    FROM playback_history
    WHERE played_at >= :start AND played_at < :end
    GROUP BY user_id
) s JOIN users u ON u.id = s.user_id
ORDER BY s.plays DESC, u.id
""")

_ADMIN_TRACKS = text("""
SELECT t.id, t.title AS name, t.artist, s.plays, s.listeners
FROM (
    SELECT track_id, count(*) AS plays, count(DISTINCT user_id) AS listeners
    FROM playback_history
    WHERE played_at >= :start AND played_at < :end AND NOT skipped
    GROUP BY track_id
    HAVING count(DISTINCT user_id) >= :min_listeners
) s JOIN tracks t ON t.id = s.track_id
ORDER BY s.plays DESC, s.listeners DESC, t.id
LIMIT :limit
""")


def _params(user_id: int, span: Range, **extra: Any) -> dict[str, Any]:
    return {"user": user_id, "start": span.start, "end": span.end, **extra}


async def _rows(ctx: CoreContext, statement: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    async with ctx.session() as session:
        return [dict(row) for row in (await session.execute(statement, params)).mappings()]


async def top(ctx: CoreContext, user_id: int, kind: str, span: Range, limit: int = 10) -> list[dict[str, Any]]:
    """The user's most played tracks, albums, artists or genres in ``span``, most first."""
    rows = await _rows(ctx, text(_TOPS[kind]), _params(user_id, span, limit=limit))
    return [{**row, "seconds": round(float(row["seconds"]), 1)} for row in rows]


async def summary(ctx: CoreContext, user_id: int, span: Range) -> dict[str, Any]:
    """Plays, skips, seconds listened and distinct tracks in ``span``."""
    (row,) = await _rows(ctx, _SUMMARY, _params(user_id, span))
    return {**row, "seconds": round(float(row["seconds"]), 1)}


async def activity(ctx: CoreContext, user_id: int, span: Range, by: Literal["day", "hour"]) -> list[dict[str, Any]]:
    """Plays and seconds per calendar day, or per hour of the day (0–23), in the range's time zone."""
    rows = await _rows(ctx, _BY_DAY if by == "day" else _BY_HOUR, _params(user_id, span, tz=span.tz))
    return [
        {
            by: row["bucket"].isoformat() if isinstance(row["bucket"], dt.date) else row["bucket"],
            "plays": row["plays"],
            "seconds": round(float(row["seconds"]), 1),
        }
        for row in rows
    ]


async def discoveries(ctx: CoreContext, user_id: int, span: Range, limit: int = 10) -> dict[str, Any]:
    """Tracks and artists first heard in ``span`` (their first counted play ever falls in it)."""
    (row,) = await _rows(ctx, _DISCOVERIES, _params(user_id, span, limit=limit))
    return {"tracks": row["tracks"], "artist_count": row["artist_count"], "artists": row["artists"]}


async def streaks(ctx: CoreContext, user_id: int, span: Range, today: dt.date | None = None) -> dict[str, Any]:
    """Days with a play in ``span``, the longest run of consecutive such days, and the current one."""
    if today is None:
        today = dt.datetime.now(zoneinfo.ZoneInfo(span.tz)).date()
    (row,) = await _rows(ctx, _STREAKS, _params(user_id, span, tz=span.tz, today=today))
    return {"active_days": row["active_days"], "longest": row["longest"], "current": row["current"]}


async def admin_overview(ctx: CoreContext, span: Range, limit: int = 10) -> dict[str, Any]:
    """Per-user totals and the tracks most played across users (each by at least :data:`MIN_LISTENERS`)."""
    bounds = {"start": span.start, "end": span.end}
    users = await _rows(ctx, _ADMIN_USERS, bounds)
    tracks = await _rows(ctx, _ADMIN_TRACKS, {**bounds, "min_listeners": MIN_LISTENERS, "limit": limit})
    return {
        "users": [{**row, "seconds": round(float(row["seconds"]), 1)} for row in users],
        "top_tracks": tracks,
        "min_listeners": MIN_LISTENERS,
    }
