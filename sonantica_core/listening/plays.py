"""Play reports become history entries: one per play, the time really listened, skips marked.

A client reports a play as it goes: ``start``, any number of ``progress``, then ``end``,
each with the same ``session`` (its own id for this one play) and the seconds listened so
far. Every report of a session updates the same entry (``playback_history.session_key``,
unique per user), so a report sent twice, or late, counts once: the time listened only
grows, ``completed`` only turns on, the end time is the first one. A report without a
session is one whole play on its own (the older ``POST /api/history``).

:func:`report_play` publishes :class:`~sonantica_core.contract.PlayStarted` on a play's
first report (unless that report already ends it) and
:class:`~sonantica_core.contract.PlayRecorded` once, when the play ends.
:func:`record_scrobble` is the same for a Subsonic ``scrobble`` call.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.bus.notify import emit
from sonantica_core.contract import PlayRecorded, PlayStarted
from sonantica_core.db.library import Track
from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.errors import SonanticaError
from sonantica_core.listening.rules import is_skip

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

PlayEvent = Literal["start", "progress", "end"]
SESSION_PATTERN = re.compile(r"^[A-Za-z0-9._:@-]{1,100}$")
#: Seconds a play may run past its track's length (players overshoot a little).
OVERSHOOT = 2.0
#: A Subsonic ``submission=false`` or a repeated scrobble within this many seconds of the last is the same play.
SUBSONIC_REPEAT = 30.0


class PlayError(SonanticaError, ValueError):
    """A play report that cannot be recorded; ``reason`` is ``"no such track"`` or ``"conflict"``."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PlayReport:
    """One report of a play by a client."""

    track_id: int
    event: PlayEvent = "end"
    session: str | None = None
    #: Seconds really listened so far (not the position: seeking is not listening).
    listened: float | None = None
    completed: bool = False
    client: str | None = None
    #: When the play started; default: now less the time listened.
    started_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PlayOutcome:
    """The history entry after a report, and whether the report created it."""

    entry: PlaybackHistory
    created: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _track_duration(session: AsyncSession, track_id: int) -> float | None:
    row = (
        await session.execute(select(Track.duration).where(Track.id == track_id, Track.removed_at.is_(None)))
    ).first()
    if row is None:
        raise PlayError(f"no such track: {track_id}", "no such track")
    return row[0]


def _clamp(listened: float | None, duration: float | None) -> float | None:
    if listened is None or not duration:
        return listened
    return min(listened, duration + OVERSHOOT)


async def report_play(ctx: CoreContext, user_id: int, report: PlayReport) -> PlayOutcome:
    """Record ``report`` for ``user_id``; raises :class:`PlayError` for an unknown track or
    a session that belongs to a play of another track."""
    if report.session is not None and not SESSION_PATTERN.match(report.session):
        raise PlayError("session must be 1–100 letters, digits or ._:@-", "invalid")
    now = _now()
    ended_now = report.event == "end"
    async with ctx.session() as session:
        duration = await _track_duration(session, report.track_id)
        listened = _clamp(report.listened, duration)
        started = report.started_at or (now - dt.timedelta(seconds=listened or 0))
        values = {
            "user_id": user_id,
            "track_id": report.track_id,
            "session_key": report.session,
            "played_at": started,
            "duration_played": listened,
            "completed": report.completed,
            "client": report.client,
            "ended_at": now if ended_now else None,
            "skipped": is_skip(listened, duration, report.completed),
        }
        statement = insert(PlaybackHistory).values(**values)
        if report.session is not None:
            statement = statement.on_conflict_do_nothing(
                index_elements=["user_id", "session_key"], index_where=PlaybackHistory.session_key.is_not(None)
            )
        new_id = (await session.execute(statement.returning(PlaybackHistory.id))).scalar()
        if new_id is not None:
            entry = await session.get_one(PlaybackHistory, new_id)
            created, was_ended = True, False
        else:
            entry = (
                await session.execute(
                    select(PlaybackHistory)
                    .where(PlaybackHistory.user_id == user_id, PlaybackHistory.session_key == report.session)
                    .with_for_update()
                )
            ).scalar_one()
            if entry.track_id != report.track_id:
                raise PlayError(
                    f"session {report.session!r} is a play of track {entry.track_id}, not {report.track_id}", "conflict"
                )
            created, was_ended = False, entry.ended_at is not None
            heard = max(filter(None, (entry.duration_played, listened)), default=listened)
            completed = entry.completed or report.completed
            await session.execute(
                update(PlaybackHistory)
                .where(PlaybackHistory.id == entry.id)
                .values(
                    duration_played=heard,
                    completed=completed,
                    ended_at=entry.ended_at or (now if ended_now else None),
                    skipped=is_skip(heard, duration, completed),
                    client=entry.client or report.client,
                )
            )
            await session.refresh(entry)
    if created and not ended_now:
        await emit(ctx, PlayStarted(track_id=entry.track_id, user_id=user_id, client=entry.client, entry_id=entry.id,
                                    at=entry.played_at))
    if ended_now and not was_ended:
        await emit(ctx, recorded_event(entry))
    return PlayOutcome(entry=entry, created=created)


def recorded_event(entry: PlaybackHistory) -> PlayRecorded:
    """The :class:`PlayRecorded` of a history entry."""
    return PlayRecorded(
        track_id=entry.track_id, user_id=entry.user_id, at=entry.played_at, duration_played=entry.duration_played,
        skipped=entry.skipped, client=entry.client, entry_id=entry.id,
    )


async def _open_subsonic_play(
    ctx: CoreContext, user_id: int, track_id: int, client: str | None, since: dt.datetime
) -> PlaybackHistory | None:
    async with ctx.session() as session:
        return (
            await session.execute(
                select(PlaybackHistory)
                .where(
                    PlaybackHistory.user_id == user_id,
                    PlaybackHistory.track_id == track_id,
                    PlaybackHistory.session_key.like(f"subsonic:{_client_tag(client)}:%"),
                    PlaybackHistory.played_at >= since,
                )
                .order_by(PlaybackHistory.played_at.desc())
                .limit(1)
            )
        ).scalar()


def _client_tag(client: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9.@-]", "-", client or "")[:30]  # no LIKE wildcards


async def record_scrobble(
    ctx: CoreContext,
    user_id: int,
    track_id: int,
    *,
    submission: bool,
    at: dt.datetime | None = None,
    client: str | None = None,
) -> PlayOutcome:
    """A Subsonic ``scrobble`` of ``track_id`` by ``user_id`` (one call per id).

    ``submission=False`` (the song started) opens a play, or returns the one this client
    opened for the track in the last 30 s. ``submission=True`` ends the play this client
    opened for the track (the time listened is the time since it started, at most the
    track's length); without an open play it records a whole play that started at ``at``
    (default: now less the track's length), taken as heard whole. A repeat of a scrobble (the same
    ``at``, or within 30 s without one) counts once. Raises :class:`PlayError` for an
    unknown track.
    """
    now = _now()
    tag = _client_tag(client)
    async with ctx.session() as session:
        duration = await _track_duration(session, track_id)
    length = duration or 0.0
    if not submission:
        recent = await _open_subsonic_play(ctx, user_id, track_id, client, now - dt.timedelta(seconds=SUBSONIC_REPEAT))
        if recent is not None:
            return PlayOutcome(entry=recent, created=False)
        key = f"subsonic:{tag}:{track_id}:{now.timestamp():.3f}"
        return await report_play(ctx, user_id, PlayReport(track_id, "start", key, 0.0, client=client, started_at=now))
    window = dt.timedelta(seconds=length + 3600)
    open_play = await _open_subsonic_play(ctx, user_id, track_id, client, (at or now) - window)
    if open_play is not None and open_play.ended_at is None and (at is None or abs(at - open_play.played_at) < window):
        elapsed = max(0.0, (now - open_play.played_at).total_seconds())
        listened = min(elapsed, length) if length else elapsed
        return await report_play(
            ctx, user_id,
            PlayReport(track_id, "end", open_play.session_key, listened, completed=bool(length) and listened >= length,
                       client=client),
        )
    if at is not None:
        key = f"subsonic:{tag}:{track_id}:at:{int(at.timestamp() * 1000)}"
    else:
        last_end = open_play.ended_at if open_play is not None else None
        if open_play is not None and last_end is not None and (now - last_end).total_seconds() < SUBSONIC_REPEAT:
            return PlayOutcome(entry=open_play, created=False)
        key = f"subsonic:{tag}:{track_id}:{now.timestamp():.3f}"
    start = at or (now - dt.timedelta(seconds=length))
    heard = duration  # the client says it counted, not for how long: taken as heard whole
    return await report_play(ctx, user_id, PlayReport(track_id, "end", key, heard, True, client, start))
