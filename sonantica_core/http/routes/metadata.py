"""Enrichment over HTTP: what metadata providers found, and asking them again.

* ``GET /api/tracks/{id}/metadata``: values about the track, its album and artist, each with
  its source, and every provider's last run on the album (with its error or candidates).
* ``POST /api/albums/{id}/enrich``: (admin) queue the album's enrichment now.
* ``DELETE /api/albums/{id}/metadata``: (admin) forget what providers found (``?source=`` one).
"""

from __future__ import annotations

import json

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core.db.analysis import TrackMetadata
from sonantica_core.db.enrichment import AlbumMetadata, ArtistMetadata, EnrichmentRun
from sonantica_core.db.library import Album, Track
from sonantica_core.http.body import parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import admin_only
from sonantica_core.http.models import enrichment as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.metadata import clear_album
from sonantica_core.metadata.tasks import request_enrichment

TAGS = ["metadata"]


def _entries(rows: list) -> list[dict[str, str]]:  # type: ignore[type-arg]
    return [{"key": row.key, "value": row.value, "source": row.source} for row in rows]


@api_doc(
    "A track's metadata",
    description="Every value known about the track (from its tags, analyzers and metadata providers), about "
    "its album and the album's artist, each with its source; and each metadata provider's last run on the "
    "album: matched, candidate (below the match threshold: kept, not applied), no match, or failed with why.",
    tags=TAGS,
    path={"track_id": "The track's id."},
    response=m.TrackMetadataInfo,
    responses={404: "No such track"},
)
async def track_metadata(request: Request) -> JSONResponse:
    track_id = parse_id(request.path_params["track_id"], "track")
    async with request.app.state.core.session() as session:
        track = (await session.execute(
            select(Track.id, Track.album_id).where(Track.id == track_id, Track.removed_at.is_(None))
        )).first()
        if track is None:
            raise ApiError(404, "no such track")
        values = (await session.execute(
            select(TrackMetadata).where(TrackMetadata.track_id == track_id)
            .order_by(TrackMetadata.source, TrackMetadata.key)
        )).scalars().all()
        album_values, artist_values, runs = [], [], []
        if track.album_id is not None:
            album_values = (await session.execute(
                select(AlbumMetadata).where(AlbumMetadata.album_id == track.album_id)
                .order_by(AlbumMetadata.source, AlbumMetadata.key)
            )).scalars().all()
            artist_id = await session.scalar(select(Album.album_artist_id).where(Album.id == track.album_id))
            if artist_id is not None:
                artist_values = (await session.execute(
                    select(ArtistMetadata).where(ArtistMetadata.artist_id == artist_id)
                    .order_by(ArtistMetadata.source, ArtistMetadata.key)
                )).scalars().all()
            runs = (await session.execute(
                select(EnrichmentRun).where(EnrichmentRun.album_id == track.album_id)
                .order_by(EnrichmentRun.provider)
            )).scalars().all()
    return JSONResponse({
        "track_id": track_id,
        "album_id": track.album_id,
        "track": _entries(values),
        "album": _entries(album_values),
        "artist": _entries(artist_values),
        "runs": [
            {"provider": run.provider, "status": run.status, "score": run.score, "error": run.error,
             "candidates": json.loads(run.candidates) if run.candidates else [], "ran_at": run.ran_at.isoformat()}
            for run in runs
        ],
    })


async def _album_id(request: Request) -> int:
    album_id = parse_id(request.path_params["album_id"], "album")
    async with request.app.state.core.session() as session:
        if await session.get(Album, album_id) is None:
            raise ApiError(404, "no such album")
    return album_id


@api_doc(
    "Enrich an album now",
    description="Queue the album's enrichment (a low-priority task): every enabled metadata provider is asked "
    "again, and what it finds replaces what it found before.",
    tags=TAGS,
    path={"album_id": "The album's id."},
    response=m.EnrichRequested,
    status=202,
    responses={404: "No such album"},
)
@admin_only
async def enrich(request: Request) -> JSONResponse:
    album_id = await _album_id(request)
    queued = await request_enrichment(request.app.state.core, album_id)
    return JSONResponse({"album_id": album_id, "status": "queued" if queued else "already queued"},
                        status_code=202)


@api_doc(
    "Forget an album's enrichment",
    description="Drop what metadata providers found about the album and its tracks, and their runs "
    "(`?source=NAME`: one provider's only). Values from the files' tags stay.",
    tags=TAGS,
    path={"album_id": "The album's id."},
    response=m.MetadataCleared,
    responses={404: "No such album"},
)
@admin_only
async def clear(request: Request) -> JSONResponse:
    album_id = await _album_id(request)
    source = request.query_params.get("source") or None
    dropped = await clear_album(request.app.state.core, album_id, source)
    return JSONResponse({"album_id": album_id, "dropped": dropped})


routes = [
    Route("/api/tracks/{track_id}/metadata", track_metadata, methods=["GET"]),
    Route("/api/albums/{album_id}/enrich", enrich, methods=["POST"]),
    Route("/api/albums/{album_id}/metadata", clear, methods=["DELETE"]),
]
