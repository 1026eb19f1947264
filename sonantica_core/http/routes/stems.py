"""Stems over HTTP: ask for a separation, list it, stream its stems and mixes.

* ``POST /api/tracks/{id}/stems`` (``{"separator": NAME}``, optional): queue the separation
  once at high priority (202 with ``queued``, ``already queued`` or ``ready``); progress
  arrives as ``stems.progress`` events on ``/api/events``.
* ``GET /api/tracks/{id}/stems``: the active separators, and each separation of the track
  with its state, stems (sizes and URLs) and mixes.
* ``GET|HEAD /api/tracks/{id}/stems/{separator}/{stem}.flac``: one stem, with Range and
  conditional requests, as originals are streamed (:mod:`sonantica_core.streaming`).
* ``POST /api/tracks/{id}/stems/mix`` (``{"gains": {"vocals": 0}}``): render a mix once;
  ``GET|HEAD /api/tracks/{id}/stems/{separator}/mix/{digest}.flac`` streams it.

Every stream records the separation's last use (to the minute), which eviction reads.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core import streaming
from sonantica_core.context import CoreContext
from sonantica_core.db.library import Track
from sonantica_core.db.stems import TrackStems
from sonantica_core.http.body import parse_body, parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.models import stems as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.stems import jobs, store
from sonantica_core.stems.errors import BadMix, UnknownSeparator
from sonantica_core.stems.files import NAME_PATTERN, mix_digest
from sonantica_core.stems.mix import gains_of, mix_key
from sonantica_core.stems.separators import active_separators, describe, find_separator

TAGS = ["stems"]
_TRACK = {"track_id": "The track's id."}
_FILE = {**_TRACK, "separator": "The separator's name.", "file": "`<stem>.flac`."}
#: A stream records a use at most this often per separation and process.
TOUCH_SECONDS = 60.0
_FILE_RESPONSES = {
    206: "The ranges asked for with `Range`",
    304: "Not modified (`If-None-Match` names the file's ETag)",
    404: "No such track, separation or stem, or it is not ready",
    412: "Precondition failed; no body",
    416: "Range not satisfiable; no body",
}
_FILE_HEADERS = {"ETag": "The file's strong validator.", "Accept-Ranges": "`bytes`.",
                 "Cache-Control": "`private, no-cache`."}
CACHE_CONTROL = (b"cache-control", b"private, no-cache")


def _track_id(request: Request) -> int:
    return parse_id(request.path_params["track_id"], "track")


async def _existing(ctx: CoreContext, track_id: int) -> None:
    async with ctx.session() as session:
        present = await session.scalar(select(Track.id).where(Track.id == track_id, Track.removed_at.is_(None)))
    if present is None:
        raise ApiError(404, "no such track")


def _separator(ctx: CoreContext, name: str | None) -> Any:
    try:
        return find_separator(ctx, name)
    except UnknownSeparator as exc:
        raise ApiError(404 if name else 503, str(exc), code="no_separator") from None


def _base(track_id: int, separator: str) -> str:
    return f"/api/tracks/{track_id}/stems/{separator}"


@api_doc(
    "Separate a track into stems",
    description="Queue the separation of the track by a separator (the first active one unless named), once, at "
    "high priority: `queued`, `already queued` or `ready`. Progress: `stems.progress` events on `/api/events`. "
    "A separation that was interrupted (its worker stopped) is queued again.",
    tags=TAGS,
    path=_TRACK,
    body=m.StemsRequest,
    body_required=False,
    response=m.StemsRequested,
    status=202,
    responses={404: "No such track, or no such separator", 503: "No stem separator is active"},
)
async def request_stems(request: Request) -> JSONResponse:
    ctx: CoreContext = request.app.state.core
    track_id = _track_id(request)
    body = await parse_body(request, m.StemsRequest)
    await _existing(ctx, track_id)
    separator = _separator(ctx, body.separator)
    status = await jobs.request_separation(ctx, track_id, separator)
    return JSONResponse({"track_id": track_id, "separator": separator.name, "status": status}, status_code=202)


async def _state(ctx: CoreContext, row: TrackStems) -> str:
    return store.INTERRUPTED if await jobs.is_interrupted(ctx, row) else row.state


@api_doc(
    "A track's stems",
    description="The active separators (the default first) and every separation of the track: its state, "
    "progress, quality, stems with their sizes and URLs, and the mixes rendered from it.",
    tags=TAGS,
    path=_TRACK,
    response=m.TrackStemsInfo,
    responses={404: "No such track"},
)
async def list_stems(request: Request) -> JSONResponse:
    ctx: CoreContext = request.app.state.core
    track_id = _track_id(request)
    await _existing(ctx, track_id)
    separators = {s.name: s for s in active_separators(ctx)}
    rows = await store.rows_of(ctx, track_id)
    separations = []
    for row in (r for r in rows if not r.mix):
        state = await _state(ctx, row)
        base = _base(track_id, row.separator)
        mixes = []
        for mix in (r for r in rows if r.mix and r.separator == row.separator):
            mix_state = await _state(ctx, mix)
            mixes.append({
                "key": mix.mix, "gains": gains_of(mix.mix), "state": mix_state, "bytes": mix.bytes,
                "url": f"{base}/mix/{mix_digest(mix.mix)}.flac" if mix_state == store.READY else None,
                "error": mix.error,
            })
        ready = state == store.READY
        current = separators.get(row.separator)
        separations.append({
            "separator": row.separator,
            "state": state,
            "progress": await jobs.progress_of(ctx, row) if state in (store.QUEUED, store.RUNNING) else None,
            "quality": row.quality,
            "version": row.version,
            "outdated": current is None or current.version != row.version,
            "stems": [
                {"name": name, "bytes": size, "url": f"{base}/{name}.flac"} for name, size in row.stems.items()
            ] if ready else [],
            "bytes": row.bytes if ready else 0,
            "error": row.error,
            "attempts": row.attempts,
            "requested_at": row.requested_at.isoformat(),
            "finished_at": row.finished_at.isoformat() if row.finished_at else None,
            "last_used_at": row.last_used_at.isoformat(),
            "mixes": mixes,
        })
    ready_rows = [r for r in rows if r.state == store.READY]
    return JSONResponse({
        "track_id": track_id,
        "is_separated": any(not r.mix for r in ready_rows),
        "bytes": sum(r.bytes for r in ready_rows),
        "separators": [describe(s) for s in separators.values()],
        "separations": separations,
    })


@api_doc(
    "Mix a track's stems",
    description="Render the stems of a ready separation with a gain per stem (e.g. `{\"vocals\": 0}`: karaoke), "
    "once; the mix is cached and evicted like the stems. `queued`, `already queued` or `ready`, with its URL.",
    tags=TAGS,
    path=_TRACK,
    body=m.MixRequest,
    response=m.MixRequested,
    status=202,
    responses={
        400: "Gains that make no mix (`bad_mix`)",
        404: "No such track, or no such separator",
        409: "The track is not separated by that separator yet (`not_separated`)",
        503: "No stem separator is active",
    },
)
async def request_mix(request: Request) -> JSONResponse:
    ctx: CoreContext = request.app.state.core
    track_id = _track_id(request)
    body = await parse_body(request, m.MixRequest)
    await _existing(ctx, track_id)
    separator = _separator(ctx, body.separator)
    try:
        key = mix_key(separator.stems, body.gains)
    except BadMix as exc:
        raise ApiError(400, str(exc), code="bad_mix") from None
    separation = await store.row(ctx, track_id, separator.name)
    if not jobs.separation_is_current(ctx, separation, separator):
        raise ApiError(409, f"the track is not separated by {separator.name} yet; POST /api/tracks/{track_id}/stems",
                       code="not_separated")
    status = await jobs.request_mix(ctx, track_id, separator, key)
    url = f"{_base(track_id, separator.name)}/mix/{mix_digest(key)}.flac"
    return JSONResponse({"track_id": track_id, "separator": separator.name, "key": key, "status": status,
                         "url": url}, status_code=202)


def _touch_due(ctx: CoreContext, key: tuple[int, str, str]) -> bool:
    seen = ctx.services.stems_touched
    now = time.monotonic()
    if now - seen.get(key, -TOUCH_SECONDS) < TOUCH_SECONDS:
        return False
    if len(seen) > 100_000:
        seen.clear()
    seen[key] = now
    return True


async def _send(request: Request, track_id: int, separator: str, path: Any, mix: str | None) -> Response:
    try:
        stat = streaming.stat_file(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise ApiError(404, "the file is not there (any more); ask for the stems again", code="not_ready") from None
    ctx: CoreContext = request.app.state.core
    if request.method == "GET" and _touch_due(ctx, (track_id, separator, mix or "")):
        await store.touch(ctx, track_id, separator, mix)
    etag = streaming.make_etag(stat.size, stat.mtime_ns)
    return streaming.FileStreamResponse(path, stat=stat, etag=etag, content_type="audio/flac",
                                        headers=[CACHE_CONTROL])


def _file_name(request: Request) -> str:
    name = request.path_params["file"]
    if not name.endswith(".flac") or not NAME_PATTERN.match(name[:-5]):
        raise ApiError(404, "no such stem")
    return name[:-5]


@api_doc(
    "A stem",
    description="One stem as FLAC, with Range, If-Range and conditional requests, as originals are streamed.",
    tags=TAGS,
    path=_FILE,
    media_types=("audio/flac",),
    responses=_FILE_RESPONSES,
    headers=_FILE_HEADERS,
)
async def stem_file(request: Request) -> Response:
    ctx: CoreContext = request.app.state.core
    track_id = _track_id(request)
    separator, stem = request.path_params["separator"], _file_name(request)
    if not NAME_PATTERN.match(separator):
        raise ApiError(404, "no such separator")
    row = await store.row(ctx, track_id, separator)
    if row is None or row.state != store.READY or stem not in row.stems:
        raise ApiError(404, "no such stem, or it is not ready", code="not_ready")
    return await _send(request, track_id, separator, jobs.files_of(ctx).stem_path(track_id, separator, stem), None)


@api_doc(
    "A mix of stems",
    description="A rendered mix as FLAC (its URL comes from `POST /api/tracks/{id}/stems/mix`), with Range.",
    tags=TAGS,
    path={**_TRACK, "separator": "The separator's name.", "file": "`<digest>.flac`."},
    media_types=("audio/flac",),
    responses=_FILE_RESPONSES,
    headers=_FILE_HEADERS,
)
async def mix_file(request: Request) -> Response:
    ctx: CoreContext = request.app.state.core
    track_id = _track_id(request)
    separator, digest = request.path_params["separator"], _file_name(request)
    if not NAME_PATTERN.match(separator):
        raise ApiError(404, "no such separator")
    row = next((r for r in await store.rows_of(ctx, track_id)
                if r.separator == separator and r.mix and mix_digest(r.mix) == digest), None)
    if row is None or row.state != store.READY:
        raise ApiError(404, "no such mix, or it is not ready", code="not_ready")
    return await _send(request, track_id, separator, jobs.files_of(ctx).mix_path(track_id, separator, row.mix),
                       row.mix)


routes = [
    Route("/api/tracks/{track_id}/stems", request_stems, methods=["POST"]),
    Route("/api/tracks/{track_id}/stems", list_stems, methods=["GET"]),
    Route("/api/tracks/{track_id}/stems/mix", request_mix, methods=["POST"]),
    Route("/api/tracks/{track_id}/stems/{separator}/mix/{file}", mix_file, methods=["GET", "HEAD"]),
    Route("/api/tracks/{track_id}/stems/{separator}/{file}", stem_file, methods=["GET", "HEAD"]),
]
