"""Listening statistics: ``/api/stats/...`` for the caller's own plays, ``/api/admin/stats`` across users.

Every statistic takes a range: ``period`` (week, month, year: the last 7, 30 or 365 days; all)
or ``from``/``to`` (dates, inclusive, or ISO times), and ``tz`` (days and hours are counted in
it). The queries are in :mod:`sonantica_core.listening.stats`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import admin_only, current_user
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.params import parse_query
from sonantica_core.http.util import core
from sonantica_core.listening import stats
from sonantica_core.listening.periods import PeriodError, Range, parse_range

TAGS = ["stats"]
#: Seconds the admin view is kept: it reads every user's plays of the range.
ADMIN_CACHE_SECONDS = 60.0


class RangeQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    period: Literal["week", "month", "year", "all"] | None = Field(
        None, description="The last 7, 30 or 365 days, or all time (the default)."
    )
    start: str | None = Field(None, alias="from", max_length=40, description="Start: a date (included) or ISO time.")
    end: str | None = Field(None, alias="to", max_length=40, description="End: a date (included) or ISO time.")
    tz: str | None = Field(None, max_length=64, description="IANA time zone days and hours are counted in (UTC).")
    limit: int = Field(10, ge=1, le=100, description="Items (1–100).")


class ActivityQuery(RangeQuery):
    by: Literal["day", "hour"] = Field("day", description="Per calendar day, or per hour of the day (0–23).")


class TopItem(BaseModel):
    id: int
    name: str | None
    artist: str | None = Field(description="The track's or album's artist (null for artists and genres).")
    plays: int
    seconds: float = Field(description="Seconds listened.")


class TopList(BaseModel):
    kind: str
    period: str
    items: list[TopItem]


class Summary(BaseModel):
    period: str
    plays: int
    skips: int
    seconds: float
    tracks: int = Field(description="Distinct tracks played.")
    first_play: str | None
    last_play: str | None


class Activity(BaseModel):
    period: str
    by: str
    buckets: list[dict[str, Any]] = Field(description="`day` (date) or `hour` (0–23), `plays`, `seconds`.")


class Discoveries(BaseModel):
    period: str
    tracks: int = Field(description="Tracks whose first play ever is in the range.")
    artist_count: int
    artists: list[dict[str, Any]] = Field(description="Newest first: `id`, `name`, `first_played`.")


class Streaks(BaseModel):
    period: str
    active_days: int
    longest: dict[str, Any] | None = Field(description="`start`, `end` (dates) and `days`.")
    current: dict[str, Any] | None = Field(description="The run that includes today or yesterday.")


class AdminStats(BaseModel):
    period: str
    users: list[dict[str, Any]] = Field(description="Per user: `user_id`, `username`, `plays`, `skips`, `seconds`.")
    top_tracks: list[dict[str, Any]] = Field(description="Tracks played by at least `min_listeners` people.")
    min_listeners: int


def _range(query: RangeQuery) -> Range:
    try:
        return parse_range(query.period, query.start, query.end, query.tz)
    except PeriodError as exc:
        raise ApiError(422, str(exc), details=[{"parameter": exc.field, "message": str(exc)}]) from None


def _iso(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {**row, **{key: row[key].isoformat() if row[key] is not None else None for key in keys}}


_RANGE_ERRORS = {422: "A parameter is not valid (period, from, to, tz, limit)"}


@api_doc(
    "Your top tracks, albums, artists or genres",
    description="Most played first (skips are not plays), with seconds listened.",
    tags=TAGS, query=RangeQuery, path={"kind": "tracks, albums, artists or genres"}, response=TopList,
    responses={404: "No such kind", **_RANGE_ERRORS},
)
async def get_top(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind not in stats.TOP_KINDS:
        raise ApiError(404, f"no such statistic: top {kind}", details={"kinds": list(stats.TOP_KINDS)})
    query = parse_query(RangeQuery, request)
    span = _range(query)
    items = await stats.top(core(request), current_user(request).id, kind, span, query.limit)
    return JSONResponse({"kind": kind, "period": span.name, "items": items})


@api_doc("Your listening summary", description="Plays, skips, seconds listened, distinct tracks.",
         tags=TAGS, query=RangeQuery, response=Summary, responses=_RANGE_ERRORS)
async def get_summary(request: Request) -> Response:
    span = _range(parse_query(RangeQuery, request))
    row = await stats.summary(core(request), current_user(request).id, span)
    return JSONResponse({"period": span.name, **_iso(row, "first_play", "last_play")})


@api_doc("Your plays per day or per hour", tags=TAGS, query=ActivityQuery, response=Activity,
         responses=_RANGE_ERRORS)
async def get_activity(request: Request) -> Response:
    query = parse_query(ActivityQuery, request)
    span = _range(query)
    buckets = await stats.activity(core(request), current_user(request).id, span, query.by)
    return JSONResponse({"period": span.name, "by": query.by, "buckets": buckets})


@api_doc("Your discoveries", description="Tracks and artists you first heard in the range.",
         tags=TAGS, query=RangeQuery, response=Discoveries, responses=_RANGE_ERRORS)
async def get_discoveries(request: Request) -> Response:
    query = parse_query(RangeQuery, request)
    span = _range(query)
    found = await stats.discoveries(core(request), current_user(request).id, span, query.limit)
    return JSONResponse({"period": span.name, **found})


@api_doc("Your listening streaks", description="Consecutive days with at least one play.",
         tags=TAGS, query=RangeQuery, response=Streaks, responses=_RANGE_ERRORS)
async def get_streaks(request: Request) -> Response:
    span = _range(parse_query(RangeQuery, request))
    found = await stats.streaks(core(request), current_user(request).id, span)
    return JSONResponse({"period": span.name, **found})


@api_doc(
    "Listening across users (admin)",
    description=(
        "Totals per user, and the tracks most played across users, each shown only when at least "
        "`min_listeners` people played it: no one's history is shown. Kept for a minute."
    ),
    tags=TAGS, query=RangeQuery, response=AdminStats, responses=_RANGE_ERRORS,
)
@admin_only
async def get_admin_stats(request: Request) -> Response:
    query = parse_query(RangeQuery, request)
    span = _range(query)
    ctx = core(request)
    bounds = span.name if span.name != "range" else f"{span.start.isoformat()}/{span.end.isoformat()}"
    key = f"admin-stats:{bounds}:{query.limit}"
    cached = await ctx.cache.get(key)
    if cached is not None:
        return Response(cached, media_type="application/json")
    found = await stats.admin_overview(ctx, span, query.limit)
    response = JSONResponse({"period": span.name, **found})
    await ctx.cache.set(key, response.body, ADMIN_CACHE_SECONDS)
    return response


routes = [
    Route("/api/stats/summary", get_summary, methods=["GET"]),
    Route("/api/stats/activity", get_activity, methods=["GET"]),
    Route("/api/stats/discoveries", get_discoveries, methods=["GET"]),
    Route("/api/stats/streaks", get_streaks, methods=["GET"]),
    Route("/api/stats/top/{kind}", get_top, methods=["GET"]),
    Route("/api/admin/stats", get_admin_stats, methods=["GET"]),
]
