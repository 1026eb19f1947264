"""Playlists: each user's own; public ones can be read (never changed) by everyone.

* ``GET /api/playlists`` (own; ``?public=true`` adds other users' public ones)
* ``POST /api/playlists`` ``{name, description?, public?, track_ids?}``
* ``GET|PATCH|DELETE /api/playlists/{playlist_id}``
* ``POST /api/playlists/{playlist_id}/tracks`` ``{track_ids, position?}`` (append, or insert at ``position``)
* ``DELETE /api/playlists/{playlist_id}/tracks/{position}``

Positions count from 0 and stay contiguous. Another user's private playlist
answers 404, as if it did not exist; another user's public playlist can be read,
and changing it answers 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.auth.principal import Principal
from sonantica_core.db.library import Track
from sonantica_core.db.playback import Playlist, PlaylistTrack
from sonantica_core.http.body import MAX_ID, Body, parse_body, parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.models import api as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.util import core, iso

MAX_TRACKS_PER_REQUEST = 1000
MAX_PLAYLIST_LENGTH = 100_000

TAGS = ["playlists"]
_BAD_JSON = {400: "The body is not a JSON object", 413: "The body is too large"}
_PLAYLIST = {"playlist_id": "The playlist's id."}
_NOT_YOURS = {
    403: "Another user's public playlist: it can be read, not changed",
    404: "No such playlist (or another user's private one)",
}

TrackId = Annotated[int, Field(ge=1, le=MAX_ID)]
TrackIds = Annotated[list[TrackId], Field(default_factory=list, max_length=MAX_TRACKS_PER_REQUEST)]


class NewPlaylist(Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str | None, Field(max_length=10_000)] = None
    public: bool = False
    track_ids: TrackIds


class PlaylistPatch(Body):
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    description: Annotated[str | None, Field(max_length=10_000)] = None
    public: bool | None = None


class NewEntries(Body):
    track_ids: Annotated[list[TrackId], Field(min_length=1, max_length=MAX_TRACKS_PER_REQUEST)]
    position: Annotated[int | None, Field(ge=0, le=MAX_PLAYLIST_LENGTH)] = None


def _json(playlist: Playlist, principal: Principal, track_count: int) -> dict[str, Any]:
    return {
        "id": playlist.id,
        "name": playlist.name,
        "description": playlist.description,
        "public": playlist.public,
        "owner_id": playlist.user_id,
        "owned": playlist.user_id == principal.id,
        "track_count": track_count,
        "created_at": iso(playlist.created_at),
        "updated_at": iso(playlist.updated_at),
    }


async def _count(session: AsyncSession, playlist_id: int) -> int:
    query = select(func.count()).where(PlaylistTrack.playlist_id == playlist_id)
    return (await session.execute(query)).scalar_one()


async def _readable(session: AsyncSession, playlist_id: int, principal: Principal) -> Playlist:
    playlist = await session.get(Playlist, playlist_id)
    if playlist is None or (playlist.user_id != principal.id and not playlist.public):
        raise ApiError(404, "no such playlist")
    return playlist


async def _writable(session: AsyncSession, playlist_id: int, principal: Principal) -> Playlist:
    """The caller's playlist, locked for this transaction (so positions stay contiguous)."""
    query = select(Playlist).where(Playlist.id == playlist_id).with_for_update()
    playlist = (await session.execute(query)).scalar_one_or_none()
    if playlist is None or (playlist.user_id != principal.id and not playlist.public):
        raise ApiError(404, "no such playlist")
    if playlist.user_id != principal.id:
        raise ApiError(403, "this playlist belongs to another user; it can be read, not changed")
    return playlist


async def _check_tracks(session: AsyncSession, track_ids: Sequence[int]) -> None:
    if not track_ids:
        return
    wanted = set(track_ids)
    query = select(Track.id).where(Track.id.in_(wanted), Track.removed_at.is_(None))
    found = set((await session.execute(query)).scalars().all())
    missing = sorted(wanted - found)
    if missing:
        raise ApiError(422, "some tracks do not exist", details={"unknown_track_ids": missing[:100]})


async def _shift(session: AsyncSession, playlist_id: int, start: int, by: int) -> None:
    """Move every entry at ``start`` or later by ``by`` positions.

    In two steps through negative positions, so no row ever takes the primary
    key of another while the statement runs.
    """
    await session.execute(
        update(PlaylistTrack)
        .where(PlaylistTrack.playlist_id == playlist_id, PlaylistTrack.position >= start)
        .values(position=-PlaylistTrack.position - 1 - by)
    )
    await session.execute(
        update(PlaylistTrack)
        .where(PlaylistTrack.playlist_id == playlist_id, PlaylistTrack.position < 0)
        .values(position=-PlaylistTrack.position - 1)
    )


async def _insert(session: AsyncSession, playlist: Playlist, track_ids: Sequence[int], position: int | None) -> None:
    count = await _count(session, playlist.id)
    if count + len(track_ids) > MAX_PLAYLIST_LENGTH:
        raise ApiError(409, f"a playlist holds at most {MAX_PLAYLIST_LENGTH} tracks")
    at = count if position is None or position >= count else position
    if at < count:
        await _shift(session, playlist.id, at, len(track_ids))
    await session.execute(
        insert(PlaylistTrack),
        [{"playlist_id": playlist.id, "position": at + i, "track_id": t} for i, t in enumerate(track_ids)],
    )
    await _touch(session, playlist.id)


async def _touch(session: AsyncSession, playlist_id: int) -> None:
    await session.execute(
        update(Playlist).where(Playlist.id == playlist_id).values(updated_at=dt.datetime.now(dt.UTC))
    )


@api_doc(
    "List playlists",
    description="The caller's playlists by name; with `public=true`, other users' public ones after them.",
    tags=TAGS,
    query=m.PlaylistsQuery,
    response=m.PlaylistList,
)
async def playlists_index(request: Request) -> Response:
    principal = current_user(request)
    include_public = request.query_params.get("public", "").lower() in ("1", "true", "yes")
    counts = (
        select(PlaylistTrack.playlist_id, func.count().label("n"))
        .group_by(PlaylistTrack.playlist_id)
        .subquery()
    )
    visible = Playlist.user_id == principal.id
    if include_public:
        visible = or_(visible, Playlist.public.is_(True))
    query = (
        select(Playlist, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.playlist_id == Playlist.id)
        .where(visible)
        .order_by(Playlist.user_id != principal.id, func.lower(Playlist.name), Playlist.id)
    )
    async with core(request).session() as session:
        rows = (await session.execute(query)).all()
    return JSONResponse({"playlists": [_json(p, principal, n) for p, n in rows]})


@api_doc(
    "Create a playlist",
    tags=TAGS,
    body=NewPlaylist,
    response=m.PlaylistInfo,
    status=201,
    responses={
        **_BAD_JSON,
        409: f"More than {MAX_PLAYLIST_LENGTH} tracks",
        422: "The body is not valid, or names tracks that do not exist (`details.unknown_track_ids`)",
    },
)
async def playlists_create(request: Request) -> Response:
    principal = current_user(request)
    body = await parse_body(request, NewPlaylist)
    async with core(request).session() as session:
        await _check_tracks(session, body.track_ids)
        playlist = Playlist(user_id=principal.id, name=body.name, description=body.description, public=body.public)
        session.add(playlist)
        await session.flush()
        if body.track_ids:
            await _insert(session, playlist, body.track_ids, None)
        await session.refresh(playlist)
    return JSONResponse(_json(playlist, principal, len(body.track_ids)), status_code=201)


@api_doc(
    "A playlist with its tracks",
    description="One's own playlist, or another user's public one, with its entries in order.",
    tags=TAGS,
    path=_PLAYLIST,
    response=m.PlaylistDetail,
    responses={404: "No such playlist (or another user's private one)"},
)
async def playlists_show(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "playlist")
    query = (
        select(PlaylistTrack.position, PlaylistTrack.added_at, Track.id, Track.title, Track.artist, Track.duration,
               Track.removed_at)
        .join(Track, Track.id == PlaylistTrack.track_id)
        .where(PlaylistTrack.playlist_id == playlist_id)
        .order_by(PlaylistTrack.position)
    )
    async with core(request).session() as session:
        playlist = await _readable(session, playlist_id, principal)
        rows = (await session.execute(query)).all()
    entries = [
        {
            "position": r.position,
            "track_id": r.id,
            "title": r.title,
            "artist": r.artist,
            "duration": r.duration,
            "available": r.removed_at is None,
            "added_at": iso(r.added_at),
        }
        for r in rows
    ]
    return JSONResponse({**_json(playlist, principal, len(entries)), "tracks": entries})


@api_doc(
    "Change a playlist",
    description="Its name, description or visibility (`description: null` clears it).",
    tags=TAGS,
    path=_PLAYLIST,
    body=PlaylistPatch,
    response=m.PlaylistInfo,
    responses={**_BAD_JSON, **_NOT_YOURS},
)
async def playlists_update(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "playlist")
    body = await parse_body(request, PlaylistPatch)
    async with core(request).session() as session:
        playlist = await _writable(session, playlist_id, principal)
        if body.name is not None:
            playlist.name = body.name
        if "description" in body.model_fields_set:
            playlist.description = body.description
        if body.public is not None:
            playlist.public = body.public
        playlist.updated_at = dt.datetime.now(dt.UTC)
        await session.flush()
        count = await _count(session, playlist_id)
    return JSONResponse(_json(playlist, principal, count))


@api_doc("Delete a playlist", tags=TAGS, path=_PLAYLIST, response=None, status=204, responses=_NOT_YOURS)
async def playlists_delete(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "playlist")
    async with core(request).session() as session:
        await _writable(session, playlist_id, principal)
        await session.execute(delete(Playlist).where(Playlist.id == playlist_id))
    return Response(status_code=204)


@api_doc(
    "Add tracks to a playlist",
    description="Appends the tracks, or inserts them at `position` (from 0) moving later entries down.",
    tags=TAGS,
    path=_PLAYLIST,
    body=NewEntries,
    response=m.PlaylistInfo,
    responses={
        **_BAD_JSON,
        **_NOT_YOURS,
        409: f"The playlist would hold more than {MAX_PLAYLIST_LENGTH} tracks",
        422: "The body is not valid, or names tracks that do not exist (`details.unknown_track_ids`)",
    },
)
async def entries_add(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "playlist")
    body = await parse_body(request, NewEntries)
    async with core(request).session() as session:
        playlist = await _writable(session, playlist_id, principal)
        await _check_tracks(session, body.track_ids)
        await _insert(session, playlist, body.track_ids, body.position)
        count = await _count(session, playlist_id)
        await session.refresh(playlist)
    return JSONResponse(_json(playlist, principal, count))


@api_doc(
    "Remove a track from a playlist",
    description="Removes the entry at `position`; later entries move up.",
    tags=TAGS,
    path={**_PLAYLIST, "position": "The entry's position, from 0."},
    response=None,
    status=204,
    responses={
        403: "Another user's public playlist: it can be read, not changed",
        404: "No such playlist, or no entry at this position",
    },
)
async def entries_remove(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "playlist")
    raw = request.path_params["position"]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise ApiError(404, "no entry at this position")
    position = int(raw)
    async with core(request).session() as session:
        await _writable(session, playlist_id, principal)
        removed = await session.execute(
            delete(PlaylistTrack)
            .where(PlaylistTrack.playlist_id == playlist_id, PlaylistTrack.position == position)
            .returning(PlaylistTrack.track_id)
        )
        if removed.first() is None:
            raise ApiError(404, "no entry at this position")
        await _shift(session, playlist_id, position + 1, -1)
        await _touch(session, playlist_id)
    return Response(status_code=204)


routes = [
    Route("/api/playlists", playlists_index, methods=["GET"]),
    Route("/api/playlists", playlists_create, methods=["POST"]),
    Route("/api/playlists/{playlist_id}", playlists_show, methods=["GET"]),
    Route("/api/playlists/{playlist_id}", playlists_update, methods=["PATCH"]),
    Route("/api/playlists/{playlist_id}", playlists_delete, methods=["DELETE"]),
    Route("/api/playlists/{playlist_id}/tracks", entries_add, methods=["POST"]),
    Route("/api/playlists/{playlist_id}/tracks/{position}", entries_remove, methods=["DELETE"]),
]
