"""Downloads with expiry: ``POST /api/downloads`` (a track, an album or a playlist, original or
transcoded) answers a signed link; ``GET /api/downloads`` lists the caller's, ``DELETE`` revokes one.

``GET /api/downloads/{id}/file`` opens a link: a track as one file (through the stream route,
with Range), an album or a playlist as a streamed ZIP of stored members. An expired or revoked
link answers 410; a link is its user's alone (another user, or a forged signature: 403/404).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any, Literal

import anyio
from pydantic import Field
from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.auth.download_links import download_url, verify_download_query
from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.principal import Principal
from sonantica_core.auth.state import get_auth_state
from sonantica_core.context import CoreContext
from sonantica_core.db.library import Album, Track
from sonantica_core.db.playback import Download, Playlist, PlaylistTrack
from sonantica_core.http.body import Body, parse_body, parse_id
from sonantica_core.http.errors import ApiError, error_response
from sonantica_core.http.middleware.access import current_user, signed_url
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.routes.stream import StreamEndpoint, content_disposition, track_id_of
from sonantica_core.http.util import core
from sonantica_core.media.storage import MediaPathError, media_storage
from sonantica_core.transcode import BadTranscodeRequest, TranscodeRequest, caps_for, format_named, plan_transcode
from sonantica_core.transcode.archive import Member, send_zip
from sonantica_core.transcode.errors import SourceUnreadable
from sonantica_core.transcode.probe import probe_source

TAGS = ["downloads"]
DEFAULT_TTL = 24 * 3600
MAX_TTL = 30 * 24 * 3600
_engine = StreamEndpoint(record_downloads=False)
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')


class NewDownload(Body):
    kind: Literal["track", "album", "playlist"] = Field(description="What to download.")
    id: int = Field(ge=1, description="The track's, album's or playlist's id.")
    format: Literal["opus", "mp3", "aac", "flac"] | None = Field(
        None, description="Transcode to this format; none: the original files, bit-perfect."
    )
    bitrate: int | None = Field(None, ge=6, le=512, description="kbit/s of the transcode (its format's default).")
    ttl: int = Field(DEFAULT_TTL, ge=60, le=MAX_TTL, description="Seconds the link stays valid.")


def _json(row: Download, url: str | None = None) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    target = {"track": row.track_id, "album": row.album_id, "playlist": row.playlist_id}[row.kind]
    state = "revoked" if row.revoked_at else "expired" if row.expires_at and row.expires_at <= now else "active"
    found = {
        "id": row.id,
        "kind": row.kind,
        "target_id": target,
        "format": row.format,
        "bitrate": row.bitrate,
        "created_at": row.downloaded_at.isoformat(),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "state": state,
    }
    if url is not None:
        found["url"] = url
        found["expires"] = int(row.expires_at.timestamp()) if row.expires_at else None
    return found


async def _check_target(ctx: CoreContext, principal: Principal, kind: str, target: int) -> None:
    async with ctx.session() as session:
        if kind == "track":
            found = await session.scalar(select(Track.id).where(Track.id == target, Track.removed_at.is_(None)))
        elif kind == "album":
            found = await session.scalar(select(Album.id).where(Album.id == target))
        else:
            found = await session.scalar(
                select(Playlist.id).where(
                    Playlist.id == target, (Playlist.user_id == principal.id) | Playlist.public.is_(True)
                )
            )
    if found is None:
        raise ApiError(404, f"no such {kind}")


@api_doc(
    "Make a download link",
    description="A signed link, valid until it expires or is revoked, to a track (one file, with Range) or "
    "an album or playlist (a streamed ZIP, members stored), as the originals or transcoded.",
    tags=TAGS,
    body=NewDownload,
    status=201,
    responses={
        404: "No such track, album or playlist (or another user's private playlist)",
        422: "The body is not valid",
    },
)
async def downloads_create(request: Request) -> Response:
    ctx, principal = core(request), current_user(request)
    body = await parse_body(request, NewDownload)
    await _check_target(ctx, principal, body.kind, body.id)
    expires = int(time.time()) + body.ttl
    quality = f"{body.format}-{body.bitrate or 'default'}" if body.format else "original"
    async with ctx.session() as session:
        row = Download(
            user_id=principal.id,
            kind=body.kind,
            track_id=body.id if body.kind == "track" else None,
            album_id=body.id if body.kind == "album" else None,
            playlist_id=body.id if body.kind == "playlist" else None,
            format=body.format,
            bitrate=body.bitrate,
            quality=quality,
            expires_at=dt.datetime.fromtimestamp(expires, dt.UTC),
            client=(request.headers.get("user-agent") or "")[:100] or None,
        )
        session.add(row)
        await session.flush()
        await session.refresh(row)
    url = download_url(ctx.secret_key, row.id, principal.id, expires, prefix=request.scope.get("root_path", ""))
    return JSONResponse(_json(row, url), status_code=201)


@api_doc("The caller's download links", description="Newest first, with their state.", tags=TAGS)
async def downloads_index(request: Request) -> Response:
    ctx, principal = core(request), current_user(request)
    async with ctx.session() as session:
        rows = (
            await session.scalars(
                select(Download).where(Download.user_id == principal.id).order_by(Download.id.desc()).limit(500)
            )
        ).all()
    return JSONResponse({"downloads": [_json(row) for row in rows]})


@api_doc(
    "Revoke a download link",
    tags=TAGS,
    path={"download_id": "The download's id."},
    status=204,
    responses={404: "No such download of the caller's"},
)
async def downloads_revoke(request: Request) -> Response:
    ctx, principal = core(request), current_user(request)
    download_id = parse_id(request.path_params["download_id"], "download")
    async with ctx.session() as session:
        result = await session.execute(
            update(Download)
            .where(Download.id == download_id, Download.user_id == principal.id)
            .values(revoked_at=dt.datetime.now(dt.UTC))
        )
    if not result.rowcount:
        raise ApiError(404, "no such download")
    return Response(status_code=204)


async def verify_download_request(ctx: CoreContext, scope: dict[str, Any], params: dict[str, Any]) -> Principal:
    """The download link's check (run by the auth middleware when there is no header)."""
    download_id = track_id_of(params.get("download_id"))
    if download_id is None or b"sig=" not in scope.get("query_string", b""):
        raise AuthError("sign in first, or use a download link", "unauthorized", 401)
    link = verify_download_query(ctx.secret_key, download_id, scope["query_string"])
    auth = get_auth_state(ctx)
    if await auth.generation_of(link.user_id) is None:
        raise AuthError("the account of this link is gone", "account_disabled", 403)
    state = auth.directory.get(link.user_id)
    if state is not None and state.disabled:
        raise AuthError("the account of this link is disabled", "account_disabled", 403)
    return Principal(link.user_id, "user", "signed_url")


def _member_name(n: int, track: Track, extension: str) -> str:
    title = _UNSAFE.sub("_", track.title).strip(" .") or f"track {track.id}"
    return f"{n:02d} - {title[:120]}.{extension}"


def _members(ctx: CoreContext, row: Download, tracks: list[Track], username: str | None) -> list[Member]:
    """The archive's members (blocking: stats and probes; run in a thread)."""
    storage = media_storage(ctx)
    request = TranscodeRequest(format=row.format, bitrate=row.bitrate)
    caps, format_name = caps_for(ctx.settings, request, username)
    members = []
    for n, track in enumerate(tracks, 1):
        try:
            checked = storage.verified_stat(track.root, track.relative_path, None)
        except MediaPathError:
            continue  # a file gone from disk is left out
        plan = None
        if format_name or caps.kbps or caps.rate:
            try:
                plan = plan_transcode(request, caps, format_name, probe_source(checked.path))
            except SourceUnreadable:
                continue
        extension = plan.format.extension if plan else track.relative_path.rsplit(".", 1)[-1]
        members.append(Member(_member_name(n, track, extension), checked.path, plan))
    return members


class DownloadFileEndpoint:
    """``GET /api/downloads/{download_id}/file``: the link's file or ZIP."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        ctx: CoreContext = scope["app"].state.core
        principal = scope.get("user")
        download_id = track_id_of(scope["path_params"].get("download_id"))
        if not isinstance(principal, Principal) or download_id is None:
            await error_response(404, "no such download")(scope, receive, send)
            return
        async with ctx.session() as session:
            row = await session.get(Download, download_id)
            tracks: list[Track] = []
            if row is not None and row.user_id == principal.id and row.kind != "track":
                if row.kind == "album":
                    query = (
                        select(Track)
                        .where(Track.album_id == row.album_id, Track.removed_at.is_(None))
                        .order_by(Track.disc_number, Track.track_number, Track.id)
                    )
                else:
                    query = (
                        select(Track)
                        .join(PlaylistTrack, PlaylistTrack.track_id == Track.id)
                        .where(PlaylistTrack.playlist_id == row.playlist_id, Track.removed_at.is_(None))
                        .order_by(PlaylistTrack.position)
                    )
                tracks = list((await session.scalars(query)).all())
            name = await self._archive_name(session, row) if row is not None else ""
        if row is None or row.user_id != principal.id:
            await error_response(404, "no such download")(scope, receive, send)
            return
        now = dt.datetime.now(dt.UTC)
        if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            why = "revoked" if row.revoked_at is not None else "expired"
            await error_response(410, f"this download link has {why}; make a new one", f"download_{why}")(
                scope, receive, send
            )
            return
        if row.kind == "track":
            query = b"download=1"
            if row.format:
                query += b"&" + TranscodeRequest(format=row.format, bitrate=row.bitrate).query_string()
            await _engine(
                {**scope, "path_params": {"track_id": str(row.track_id)}, "query_string": query}, receive, send
            )
            return
        if scope["method"] not in ("GET", "HEAD"):
            await error_response(405, "GET only")(scope, receive, send)
            return
        fmt = format_named(row.format) if row.format else None
        try:
            members = await anyio.to_thread.run_sync(_members, ctx, row, tracks, None)
        except BadTranscodeRequest as exc:
            await error_response(400, str(exc), "bad_transcode")(scope, receive, send)
            return
        headers = [(b"content-disposition", content_disposition(f"{name}.zip")), (b"cache-control", b"private")]
        if fmt is not None:
            headers.append((b"x-archive-format", fmt.name.encode()))
        if scope["method"] == "HEAD":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/zip"), *headers],
                }
            )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send_zip(scope, receive, send, members, headers)

    @staticmethod
    async def _archive_name(session: Any, row: Download) -> str:
        if row.kind == "album":
            title = await session.scalar(select(Album.title).where(Album.id == row.album_id))
        elif row.kind == "playlist":
            title = await session.scalar(select(Playlist.name).where(Playlist.id == row.playlist_id))
        else:
            return ""
        return _UNSAFE.sub("_", title or row.kind).strip(" .")[:120] or row.kind


download_file = api_doc(
    "Open a download link",
    description="A track as one file (Range works; transcoded as the link says), an album or playlist as a "
    "streamed ZIP (members stored, in order). Signed in as the link's user, or with the link's signature.",
    tags=TAGS,
    path={"download_id": "The download's id."},
    media_types=("application/zip", "audio/*"),
    responses={
        403: "The link's signature is not valid",
        404: "No such download of the caller's",
        410: "The link expired or was revoked",
    },
)(signed_url(verify_download_request)(DownloadFileEndpoint()))

routes = [
    Route("/api/downloads", downloads_create, methods=["POST"]),
    Route("/api/downloads", downloads_index, methods=["GET"]),
    Route("/api/downloads/{download_id}", downloads_revoke, methods=["DELETE"]),
    Route("/api/downloads/{download_id}/file", download_file, methods=["GET", "HEAD"]),
]
