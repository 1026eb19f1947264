"""Play reporting: ``POST /api/plays`` (start, progress, end of one play) → one history entry.

See :mod:`sonantica_core.listening.plays` for the rules; the play rule itself is in
:mod:`sonantica_core.listening.rules`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.http.body import MAX_ID, Body, parse_body
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.util import core, iso
from sonantica_core.listening.plays import PlayError, PlayReport, report_play

TAGS = ["history"]
#: Plays may be reported up to this long after they happened (offline players).
OLDEST = dt.timedelta(days=365)


class PlayReportBody(Body):
    track_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    event: Literal["start", "progress", "end"] = Field(
        description="`start` when playback begins, `progress` now and then, `end` when it stops or the track changes."
    )
    session: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:@-]+$")] = Field(
        description="The client's id for this one play (a UUID): every report of the play carries it."
    )
    listened: Annotated[float, Field(ge=0, le=24 * 3600)] = Field(
        0.0, description="Seconds really listened so far (not the position: seeking is not listening)."
    )
    completed: bool = Field(False, description="The track played to its end.")
    client: Annotated[str | None, Field(max_length=100)] = None
    started_at: AwareDatetime | None = Field(
        None, strict=False,
        description="When the play started, ISO 8601 with its offset (a player reporting later); "
        "default: now less `listened`.",
    )


class PlayState(BaseModel):
    id: int
    track_id: int
    session: str | None
    played_at: str | None = Field(description="When the play started.")
    ended_at: str | None = Field(description="When it ended; null while it goes on.")
    duration_played: float | None = Field(description="Seconds listened.")
    completed: bool
    skipped: bool = Field(description="Under the play rule: less than half the track (or 4 minutes), or under 30 s.")
    client: str | None


def play_state(entry: PlaybackHistory) -> dict[str, Any]:
    return {
        "id": entry.id,
        "track_id": entry.track_id,
        "session": entry.session_key,
        "played_at": iso(entry.played_at),
        "ended_at": iso(entry.ended_at),
        "duration_played": entry.duration_played,
        "completed": entry.completed,
        "skipped": entry.skipped,
        "client": entry.client,
    }


def play_error(exc: PlayError, track_id: int) -> ApiError:
    if exc.reason == "conflict":
        return ApiError(409, str(exc), details={"track_id": track_id})
    return ApiError(422, str(exc), details={"track_id": track_id})


@api_doc(
    "Report a play",
    description=(
        "One play is reported as it goes: `start`, any `progress`, then `end`, all with the same `session`. "
        "They make one history entry: the time listened only grows, a report sent twice counts once, "
        "and the play is a skip when under the play rule (half the track or 4 minutes, at least 30 s). "
        "The first report publishes `play.started`, the end `play.recorded` (once). "
        "201 when the report created the entry, 200 when it updated it."
    ),
    tags=TAGS,
    body=PlayReportBody,
    response=PlayState,
    status=200,
    responses={
        201: "The entry was created",
        400: "The body is not a JSON object",
        409: "The session is a play of another track",
        413: "The body is too large",
        422: "The body is not valid, or the track does not exist",
    },
)
async def post_play(request: Request) -> Response:
    ctx, principal = core(request), current_user(request)
    body = await parse_body(request, PlayReportBody)
    now = dt.datetime.now(dt.UTC)
    if body.started_at is not None and not now - OLDEST <= body.started_at <= now + dt.timedelta(minutes=5):
        raise ApiError(422, "started_at must be within the last year and not in the future",
                       details={"started_at": body.started_at.isoformat()})
    report = PlayReport(
        track_id=body.track_id, event=body.event, session=body.session, listened=body.listened,
        completed=body.completed, client=body.client, started_at=body.started_at,
    )
    try:
        outcome = await report_play(ctx, principal.id, report)
    except PlayError as exc:
        raise play_error(exc, body.track_id) from None
    return JSONResponse(play_state(outcome.entry), status_code=201 if outcome.created else 200)


routes = [Route("/api/plays", post_play, methods=["POST"])]
