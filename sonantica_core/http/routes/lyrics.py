"""Lyrics over HTTP: the lyrics chain's answer for a track.

* ``GET /api/tracks/{id}/lyrics``: structured lines (OpenSubsonic's shape), from the cache or
  the providers; 202 ``queued`` while a worker asks outside services; 404 ``no_lyrics``.
* ``DELETE /api/tracks/{id}/lyrics``: (admin) forget the cached answer; the next request asks again.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.http.body import parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import admin_only
from sonantica_core.http.models import enrichment as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.lyrics import forget_lyrics, lyrics_for

TAGS = ["lyrics"]
_TRACK = {"track_id": "The track's id."}
_PUBLIC_KEYS = ("track_id", "status", "source", "provider", "synced", "instrumental", "language", "plain",
                "structuredLyrics", "notes", "asked", "errors", "fetched_at")


@api_doc(
    "A track's lyrics",
    description="The first lyrics the providers find, asked in the order of `LYRICS_ORDER` (embedded tags, "
    "`.lrc` sidecars, LRCLIB ...): structured lines with start times in milliseconds and, where known, word "
    "times, per language, in the shape of OpenSubsonic's `structuredLyrics`. Providers that read files answer "
    "at once; when only providers that ask outside services are left, the answer is 202 `queued` and a worker "
    "asks them. A malformed LRC file gives the lines it could read, with `notes`.",
    tags=TAGS,
    path=_TRACK,
    response=m.TrackLyrics,
    responses={202: "Being looked up (see `Retry-After`)", 404: "No such track, or no lyrics (`no_lyrics`)"},
)
async def lyrics(request: Request) -> JSONResponse:
    track_id = parse_id(request.path_params["track_id"], "track")
    answer = await lyrics_for(request.app.state.core, track_id)
    if answer is None:
        raise ApiError(404, "no such track")
    body = {key: answer.document.get(key) for key in _PUBLIC_KEYS} | {"status": answer.status}
    if answer.status == "queued":
        return JSONResponse(body, status_code=202, headers={"Retry-After": "2"})
    if answer.status == "none":
        raise ApiError(404, "no provider has lyrics for this track", code="no_lyrics", details=body)
    return JSONResponse(body)


@api_doc(
    "Forget a track's lyrics",
    description="Drop the cached answer, so the next request asks the providers again (after a new sidecar "
    "file, or to retry an outside service).",
    tags=TAGS,
    path=_TRACK,
    status=204,
)
@admin_only
async def forget(request: Request) -> Response:
    track_id = parse_id(request.path_params["track_id"], "track")
    await forget_lyrics(request.app.state.core, track_id)
    return Response(status_code=204)


routes = [
    Route("/api/tracks/{track_id}/lyrics", lyrics, methods=["GET"]),
    Route("/api/tracks/{track_id}/lyrics", forget, methods=["DELETE"]),
]
