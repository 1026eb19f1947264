"""Play history: ``POST /api/history`` records a play, ``GET /api/history`` lists one's own.

Recording (through :mod:`sonantica_core.listening.plays`) publishes a ``play.recorded`` event
(:class:`~sonantica_core.contract.PlayRecorded`).
Listing is newest first, paged with ``?limit=`` (1–500, default 50) and ``?before=<entry id>``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.db.library import Track
from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.http.body import MAX_ID, Body, int_param, parse_body
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.models import api as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.util import core, iso
from sonantica_core.listening.plays import PlayError, PlayReport, report_play

TAGS = ["history"]


class NewPlay(Body):
    track_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    duration_played: Annotated[float | None, Field(ge=0, le=7 * 24 * 3600)] = None
    completed: bool = False
    client: Annotated[str | None, Field(max_length=100)] = None


@api_doc(
    "Record a play",
    description=(
        "Adds a whole play of a track to the caller's history and publishes a `play.recorded` event. "
        "Players that report as they play use `POST /api/plays` (start, progress, end; no double counting)."
    ),
    tags=TAGS,
    body=NewPlay,
    response=m.PlayEntry,
    status=201,
    responses={
        400: "The body is not a JSON object",
        413: "The body is too large",
        422: "The body is not valid, or the track does not exist",
    },
)
async def record_play(request: Request) -> Response:
    ctx, principal = core(request), current_user(request)
    body = await parse_body(request, NewPlay)
    report = PlayReport(
        track_id=body.track_id, event="end", listened=body.duration_played, completed=body.completed,
        client=body.client,
    )
    try:
        entry = (await report_play(ctx, principal.id, report)).entry
    except PlayError as exc:
        raise ApiError(422, "no such track", details={"track_id": body.track_id}) from exc
    return JSONResponse(
        {
            "id": entry.id,
            "track_id": entry.track_id,
            "played_at": iso(entry.played_at),
            "duration_played": entry.duration_played,
            "completed": entry.completed,
            "skipped": entry.skipped,
            "client": entry.client,
        },
        status_code=201,
    )


@api_doc(
    "One's play history",
    description="The caller's plays, newest first, a page at a time (`before` = the last page's `next_before`).",
    tags=TAGS,
    query=m.HistoryQuery,
    response=m.HistoryPage,
)
async def list_history(request: Request) -> Response:
    principal = current_user(request)
    limit = int_param(request, "limit", 50, 1, 500)
    before = int_param(request, "before", 0, 0, MAX_ID)
    query = (
        select(PlaybackHistory, Track.title, Track.artist)
        .join(Track, Track.id == PlaybackHistory.track_id)
        .where(PlaybackHistory.user_id == principal.id)
        .order_by(PlaybackHistory.id.desc())
        .limit(limit)
    )
    if before:
        query = query.where(PlaybackHistory.id < before)
    async with core(request).session() as session:
        rows = (await session.execute(query)).all()
    entries = [
        {
            "id": entry.id,
            "track_id": entry.track_id,
            "title": title,
            "artist": artist,
            "played_at": iso(entry.played_at),
            "duration_played": entry.duration_played,
            "completed": entry.completed,
            "skipped": entry.skipped,
            "client": entry.client,
        }
        for entry, title, artist in rows
    ]
    next_before = entries[-1]["id"] if len(entries) == limit else None
    return JSONResponse({"history": entries, "next_before": next_before})


routes = [
    Route("/api/history", list_history, methods=["GET"]),
    Route("/api/history", record_play, methods=["POST"]),
]
