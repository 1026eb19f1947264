"""Analysis over HTTP: ask for it, read it, get the waveform, find duplicates.

* ``POST /api/tracks/{id}/analyze``: analyse this track before the backlog
  (once; 202 with ``queued``, ``already queued`` or ``done``).
* ``GET /api/tracks/{id}/analysis``: features and each analyzer's state.
* ``GET /api/tracks/{id}/waveform``: audiowaveform JSON (peaks.js, wavesurfer.js);
  404 ``not_analyzed`` (and the track is queued) until it exists.
* ``GET /api/library/duplicates``: tracks whose audio is the same recording,
  found by acoustic fingerprint across formats and encodings.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.analysis import queue, tasks
from sonantica_core.analysis.duplicate_report import read_report
from sonantica_core.analysis.store import waveform_path
from sonantica_core.db.analysis import TrackAnalysis, TrackAudioFeatures, TrackMetadata
from sonantica_core.db.library import Track
from sonantica_core.http.body import parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.models import api as m
from sonantica_core.http.openapi.docs import api_doc

TAGS = ["analysis"]
_TRACK = {"track_id": "The track's id."}


def _track_id(request: Request) -> int:
    return parse_id(request.path_params["track_id"], "track")


async def _existing(request: Request, track_id: int) -> None:
    async with request.app.state.core.session() as session:
        present = await session.scalar(select(Track.id).where(Track.id == track_id, Track.removed_at.is_(None)))
    if present is None:
        raise ApiError(404, "no such track")


@api_doc(
    "Analyse a track now",
    description="Queue the track's analysis before the backlog (once): `queued`, `already queued` or `done`.",
    tags=TAGS,
    path=_TRACK,
    response=m.AnalysisRequested,
    status=202,
    responses={404: "No such track"},
)
async def analyze(request: Request) -> JSONResponse:
    track_id = _track_id(request)
    await _existing(request, track_id)
    status = await tasks.request_analysis(request.app.state.core, track_id)
    return JSONResponse({"track_id": track_id, "status": status}, status_code=202)


def _features_json(row: TrackAudioFeatures | None) -> dict[str, Any] | None:
    if row is None:
        return None
    skip = {"track_id", "analyzed_at"}
    data = {c.name: getattr(row, c.name) for c in TrackAudioFeatures.__table__.columns if c.name not in skip}
    data["analyzed_at"] = row.analyzed_at.isoformat()
    return data


@api_doc(
    "A track's analysis",
    description="Its audio features, each analyzer's state, the analyzers still to run, and metadata found by "
    "analysis.",
    tags=TAGS,
    path=_TRACK,
    response=m.TrackAnalysisInfo,
    responses={404: "No such track"},
)
async def analysis(request: Request) -> JSONResponse:
    track_id = _track_id(request)
    await _existing(request, track_id)
    ctx = request.app.state.core
    async with ctx.session() as session:
        features = await session.get(TrackAudioFeatures, track_id)
        states = (
            (
                await session.execute(
                    select(TrackAnalysis).where(TrackAnalysis.track_id == track_id).order_by(TrackAnalysis.analyzer)
                )
            )
            .scalars()
            .all()
        )
        extras = (
            (
                await session.execute(
                    select(TrackMetadata).where(TrackMetadata.track_id == track_id, TrackMetadata.source != "tags")
                )
            )
            .scalars()
            .all()
        )
    enabled = {a.name: a.version for a in queue.enabled_analyzers(ctx)}
    return JSONResponse(
        {
            "track_id": track_id,
            "features": _features_json(features),
            "analyzers": [
                {
                    "name": s.analyzer,
                    "version": s.version,
                    "status": s.status if enabled.get(s.analyzer, s.version) == s.version else "outdated",
                    "error": s.error,
                    "seconds": s.seconds,
                    "analyzed_at": s.analyzed_at.isoformat(),
                }
                for s in states
            ],
            "pending": sorted(set(enabled) - {s.analyzer for s in states if enabled.get(s.analyzer) == s.version}),
            "extras": [{"key": e.key, "value": e.value, "source": e.source} for e in extras],
        }
    )


@api_doc(
    "A track's waveform",
    description="Peaks for a seek bar, in audiowaveform's JSON format (peaks.js, wavesurfer.js). Until it is "
    "computed: 404 `not_analyzed`, and the track's analysis is queued.",
    tags=TAGS,
    path=_TRACK,
    response=m.Waveform,
    responses={304: "Not modified (`If-None-Match` names its ETag)", 404: "No such track, or not analysed yet"},
    headers={"ETag": "The waveform's validator.", "Cache-Control": "`private, max-age=3600`."},
)
async def waveform(request: Request) -> Response:
    track_id = _track_id(request)
    await _existing(request, track_id)
    ctx = request.app.state.core
    path = waveform_path(ctx.storage, track_id)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        status = await tasks.request_analysis(ctx, track_id)
        raise ApiError(
            404,
            "the waveform is not computed yet; analysis is queued",
            code="not_analyzed",
            details={"analysis": status},
        ) from None
    etag = '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=3600"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


@api_doc(
    "Duplicate tracks",
    description="Groups of tracks whose audio is the same recording, found by acoustic fingerprint across "
    "formats and encodings. The report is made by a worker (a request never computes it): the first request "
    "queues it and answers 202 with no groups; later ones answer the last report, `stale` when the library "
    "changed since (a new one is then on its way, at most once a minute).",
    tags=TAGS,
    response=m.Duplicates,
    responses={202: "No report yet; one is being made (see `Retry-After`)"},
)
async def duplicates(request: Request) -> Response:
    report = await read_report(request.app.state.core)
    facts = {
        "computed_at": report.document["computed_at"] if report.document else None,
        "stale": report.stale,
        "computing": report.computing,
    }
    # the groups are copied as stored: a large report is not parsed and written again per request
    body = b'{"groups":' + report.groups_json + b"," + json.dumps(facts).encode()[1:]
    if report.document is None:
        return Response(body, status_code=202, media_type="application/json", headers={"Retry-After": "5"})
    return Response(body, media_type="application/json")


routes = [
    Route("/api/tracks/{track_id}/analyze", analyze, methods=["POST"]),
    Route("/api/tracks/{track_id}/analysis", analysis, methods=["GET"]),
    Route("/api/tracks/{track_id}/waveform", waveform, methods=["GET"]),
    Route("/api/library/duplicates", duplicates, methods=["GET"]),
]
