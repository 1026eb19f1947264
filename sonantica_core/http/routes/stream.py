"""``GET|HEAD /api/stream/{track_id}``: a track's file, bit-perfect, with Range; and its signed URLs.

The hot path, per request (a player seeks with one request each):

1. the middleware authenticates (access token: the verified-token LRU and the
   in-memory user directory; signed URL: one HMAC; API key: the key cache) — no I/O;
2. the track's location comes from the in-process :mod:`~sonantica_core.media.trackcache`
   (one indexed query on a miss, never Redis);
3. one ``stat``: when the path still names the file checked inside its root
   (same device and inode), nothing is resolved again (:mod:`~sonantica_core.media.storage`);
4. :func:`sonantica_core.streaming.send_file` (or ``X-Accel-Redirect`` with
   ``STREAM_MODE=accel``) answers Range, If-Range and conditional requests.

Nothing is written on that path; ``?download=1`` (a GET from the first byte)
records a download and adds ``Content-Disposition`` (RFC 6266 ``filename*``).

**Stream-start hook.** When ``ctx.services.on_stream_start`` is set, it is called
as ``hook(ctx, track_id, user_id)`` on the first GET of a track in this process
(per track-cache entry). It must return at once; if it returns an awaitable, that
runs as a background task (e.g. "queue high-priority analysis of an unanalysed
track, once"). Its failures are logged, never seen by the listener.

``GET|POST /api/tracks/{track_id}/stream-url`` (``?ttl=<seconds>&download=1``) returns a
URL for ``<audio src>`` that works without a header, for this user and track, until it
expires or the user's sessions end (sign-out everywhere, password change). With
``STREAM_MODE=accel`` and no download asked, ``url`` is an nginx ``secure_link`` URL
(nginx serves it alone, knowing nothing of sessions), so ``ttl`` is capped at
:data:`~sonantica_core.auth.signed_urls.SECURE_LINK_MAX_TTL` (an hour); ``api_url`` always
goes through this route.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core import streaming
from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.principal import Principal
from sonantica_core.auth.signed_urls import (
    DEFAULT_TTL,
    MAX_TTL,
    MIN_TTL,
    SECURE_LINK_MAX_TTL,
    has_signature,
    secure_link_url,
    signed_stream_url,
)
from sonantica_core.auth.state import get_auth_state
from sonantica_core.context import CoreContext
from sonantica_core.db.playback import Download
from sonantica_core.http.body import MAX_ID, int_param, parse_id
from sonantica_core.http.errors import ApiError, error_response
from sonantica_core.http.middleware.access import current_user, signed_url
from sonantica_core.http.models import api as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.util import core
from sonantica_core.media.storage import MediaPathError, UnsafePathError, media_storage
from sonantica_core.media.trackcache import TrackLocation, get_track_cache
from sonantica_core.transcode import (
    BadTranscodeRequest,
    SourceUnreadable,
    TrackSource,
    TranscodeBusy,
    TranscodeRequest,
    asks_transcode,
    parse_request,
    serve_transcode,
)

log = logging.getLogger("sonantica.stream")

HOOK_NAME = "on_stream_start"
CACHE_CONTROL = (b"cache-control", b"private, no-cache")
_background: set[asyncio.Future[Any]] = set()

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_AUDIO = {"audio/*": _BINARY, "application/octet-stream": _BINARY}


def _header(text: str) -> dict[str, Any]:
    return {"description": text, "schema": {"type": "string"}}


_FILE_HEADERS = {
    "ETag": _header("The file's strong validator (for If-Range, If-None-Match, If-Match)."),
    "Last-Modified": _header("When the file last changed."),
    "Accept-Ranges": _header("`bytes`."),
    "Cache-Control": _header("`private, no-cache`."),
    "Content-Disposition": _header("With `download=1`: `attachment` with the file's name (RFC 6266)."),
    "X-Content-Duration": _header("Transcodes: the seconds the output covers (from `timeOffset` to the end)."),
}
#: The stream route's answers in full (no JSON: bytes, or nothing, as HTTP Range and
#: conditional requests say).
STREAM_RESPONSES: dict[str, Any] = {
    "200": {
        "description": "The whole file, byte for byte (audio/flac, audio/mpeg, audio/mp4, audio/ogg...; "
        "application/octet-stream for unknown extensions)",
        "headers": _FILE_HEADERS,
        "content": _AUDIO,
    },
    "206": {
        "description": "The ranges asked for with `Range`: one range in the file's type, several as "
        "multipart/byteranges",
        "headers": {**_FILE_HEADERS, "Content-Range": _header("For one range: `bytes FIRST-LAST/LENGTH`.")},
        "content": {**_AUDIO, "multipart/byteranges": _BINARY},
    },
    "304": {"description": "Not modified (`If-None-Match` names the file's ETag)", "headers": _FILE_HEADERS},
    "400": {"description": "A transcode parameter is not valid (`bad_transcode`)", "content": _ERROR},
    "401": {"description": "No valid credentials and no signed URL", "content": _ERROR},
    "403": {"description": "The signed URL is not valid (bad signature, another track, expired)", "content": _ERROR},
    "404": {"description": "No such track, or its file cannot be read", "content": _ERROR},
    "412": {"description": "Precondition failed (`If-Match` or `If-Unmodified-Since`); no body"},
    "416": {
        "description": "Range not satisfiable; no body",
        "headers": {"Content-Range": _header("`bytes */LENGTH`.")},
    },
    "429": {
        "description": "The caller already runs TRANSCODE_MAX_PER_USER transcodes; try again (Retry-After)",
        "headers": {"Retry-After": _header("Seconds to wait.")},
        "content": _ERROR,
    },
    "503": {
        "description": "The file kept changing while being sent, or the process transcodes all it can; "
        "try again (Retry-After)",
        "headers": {"Retry-After": _header("Seconds to wait.")},
        "content": _ERROR,
    },
}


def track_id_of(text: Any) -> int | None:
    """A track id from a path segment: a positive 64-bit integer in canonical decimal, else None."""
    if not isinstance(text, str) or not (0 < len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    if text[0] == "0" or int(text) > MAX_ID:
        return None
    return int(text)


async def verify_signed_request(ctx: CoreContext, scope: dict[str, Any], params: dict[str, Any]) -> Principal:
    """The stream route's signed-URL check (run by the auth middleware when there is no header)."""
    if not has_signature(scope.get("query_string", b"")):
        raise AuthError("sign in first, or use a signed stream URL", "unauthorized", 401)
    track_id = track_id_of(params.get("track_id"))
    if track_id is None:
        raise AuthError("the signed URL is not valid for this track", "bad_signature", 403)
    return await get_auth_state(ctx).authenticate_signed(track_id, scope["query_string"])


def content_disposition(file_name: str) -> bytes:
    """``attachment`` with an ASCII fallback ``filename`` and the exact ``filename*`` (RFC 6266, 8187)."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\%' else "_" for c in file_name) or "track"
    encoded = quote(file_name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}".encode("latin-1")


def _query_flag(query_string: bytes, name: bytes) -> bool:
    return any(part == name + b"=1" for part in query_string.split(b"&")) if query_string else False


def _range_from_start(scope: dict[str, Any]) -> bool:
    """No Range header, or one starting at byte 0: the beginning of a download."""
    for name, value in scope["headers"]:
        if name == b"range":
            return value.replace(b" ", b"").lower().startswith(b"bytes=0-")
    return True


def _announce(ctx: CoreContext, entry: TrackLocation, user_id: int) -> None:
    hook = ctx.services.on_stream_start
    if hook is None or entry.announced:
        return
    entry.announced = True
    try:
        result = hook(ctx, entry.id, user_id)
        if inspect.isawaitable(result):
            future = asyncio.ensure_future(result)
            _background.add(future)
            future.add_done_callback(_finished)
    except Exception:
        log.exception("the %s hook failed for track %d", HOOK_NAME, entry.id)


def _finished(future: asyncio.Future[Any]) -> None:
    _background.discard(future)
    if not future.cancelled() and future.exception() is not None:
        log.error("the %s hook failed", HOOK_NAME, exc_info=future.exception())


async def _record_download(ctx: CoreContext, scope: dict[str, Any], track_id: int, user_id: int) -> None:
    agent = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"user-agent"), None)
    try:
        async with ctx.session() as session:
            session.add(Download(user_id=user_id, track_id=track_id, client=agent[:100] if agent else None))
    except Exception:
        log.exception("could not record the download of track %d", track_id)


def _named_as(file_name: str) -> Callable[[str], tuple[bytes, bytes]]:
    """The attachment header of a transcode of ``file_name``, given the output's extension."""
    stem = file_name.rsplit(".", 1)[0] or "track"
    return lambda extension: (b"content-disposition", content_disposition(f"{stem}.{extension}"))


class StreamEndpoint:
    """The raw ASGI endpoint of ``/api/stream/{track_id}`` (no Request/Response objects).

    Other front ends reuse it with their scope's ``user``, ``path_params`` and ``query_string``
    replaced; to ask for a transcode, the query is
    :meth:`sonantica_core.transcode.TranscodeRequest.query_string` (format, bitrate, timeOffset...).
    ``record_downloads=False``: ``download=1`` only names the attachment (the caller keeps its own
    record, as ``/api/downloads`` does).
    """

    def __init__(self, *, record_downloads: bool = True) -> None:
        self.record_downloads = record_downloads

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        ctx: CoreContext = scope["app"].state.core
        principal = scope.get("user")
        if not isinstance(principal, Principal):  # the middleware lets no one else in
            await error_response(401, "sign in first")(scope, receive, send)
            return
        track_id = track_id_of(scope["path_params"].get("track_id"))
        entry = await get_track_cache(ctx).lookup(ctx, track_id) if track_id is not None else None
        if entry is None:
            await error_response(404, "no such track")(scope, receive, send)
            return
        storage = media_storage(ctx)
        query = scope.get("query_string", b"")
        download = _query_flag(query, b"download")
        transcode: TranscodeRequest | None = None
        if asks_transcode(query) or ctx.settings.transcode_user_caps:
            try:
                transcode = parse_request(query)
            except BadTranscodeRequest as exc:
                await error_response(400, str(exc), "bad_transcode")(scope, receive, send)
                return
        headers = [CACHE_CONTROL]
        if download:
            headers.append((b"content-disposition", content_disposition(entry.file_name)))
        for _attempt in range(2):
            try:
                checked = storage.verified_stat(entry.root, entry.relative_path, entry.checked)
            except MediaPathError as exc:
                if isinstance(exc, UnsafePathError):
                    log.warning("track %d: %s (%r in %r)", entry.id, exc.message, entry.relative_path, entry.root)
                entry.checked = None
                await error_response(404, f"track {entry.id} cannot be played: {exc.message}", "file_unavailable")(
                    scope, receive, send
                )
                return
            entry.checked = checked
            get = scope["method"] == "GET"
            if get:
                _announce(ctx, entry, principal.id)
                if download and self.record_downloads and _range_from_start(scope):
                    await _record_download(ctx, scope, entry.id, principal.id)
            if transcode is not None and scope["method"] in ("GET", "HEAD"):
                source = TrackSource(entry.id, entry.root, entry.relative_path, checked.path, checked.stat,
                                     entry.content_hash)
                named = _named_as(entry.file_name) if download else None
                try:
                    if await serve_transcode(scope, receive, send, ctx=ctx, request=transcode, source=source,
                                             user_id=principal.id, headers=[CACHE_CONTROL], named=named):
                        return
                except BadTranscodeRequest as exc:
                    await error_response(400, str(exc), "bad_transcode")(scope, receive, send)
                    return
                except TranscodeBusy as exc:
                    await error_response(exc.status, str(exc), "transcode_busy",
                                         headers={"Retry-After": str(exc.retry_after)})(scope, receive, send)
                    return
                except SourceUnreadable as exc:
                    await error_response(404, f"track {entry.id} cannot be played: {exc}", "file_unavailable")(
                        scope, receive, send
                    )
                    return
            if ctx.settings.stream_mode == "accel":
                uri = streaming.accel_uri(entry.root, entry.relative_path)
                await streaming.send_accel_redirect(
                    scope, receive, send, uri=uri, content_type=streaming.content_type_for(entry.file_name),
                    headers=headers,
                )
                return
            etag = entry.etag_for(checked.stat.size, checked.stat.mtime_ns)
            try:
                await streaming.send_file(
                    scope, receive, send, path=checked.path, stat=checked.stat, etag=etag, headers=headers
                )
                return
            except streaming.FileChangedError:
                entry.checked = None  # replaced between the stat and the open: check again, once
                download = False
            except (FileNotFoundError, PermissionError):
                entry.checked = None
                await error_response(404, f"track {entry.id} cannot be played: its file is missing from disk",
                                     "file_unavailable")(scope, receive, send)
                return
            except streaming.TruncatedFileError:
                log.warning("track %d became shorter while being sent; the response was cut off", entry.id)
                entry.checked = None
                return
        await error_response(503, "the file keeps changing; try again", headers={"Retry-After": "1"})(
            scope, receive, send
        )


@api_doc(
    "A signed stream URL",
    description="A URL of the track's stream that works without an `Authorization` header (for `<audio src>` "
    "or a download link), for the caller and this track, until it expires or the caller's sessions end "
    "(sign-out everywhere, password change). With `STREAM_MODE=accel`, `url` is served by nginx alone and "
    "lives at most an hour. GET and POST do the same.",
    tags=["stream"],
    path={"track_id": "The track's id."},
    query=m.StreamUrlQuery,
    response=m.StreamUrl,
    responses={404: "No such track"},
)
async def stream_url(request: Request) -> Response:
    """A signed URL for ``<audio src>`` or a download link."""
    ctx, principal = core(request), current_user(request)
    track_id = parse_id(request.path_params["track_id"], "track")
    ttl = int_param(request, "ttl", DEFAULT_TTL, MIN_TTL, MAX_TTL)
    download = request.query_params.get("download", "") in ("1", "true")
    entry = await get_track_cache(ctx).lookup(ctx, track_id)
    if entry is None:
        raise ApiError(404, "no such track")
    generation = await get_auth_state(ctx).generation_of(principal.id)
    if generation is None:
        raise ApiError(401, "the account no longer exists")
    accel = ctx.settings.stream_mode == "accel" and not download
    expires = int(time.time()) + (min(ttl, SECURE_LINK_MAX_TTL) if accel else ttl)
    prefix = request.scope.get("root_path", "")
    api_url = signed_stream_url(
        ctx.secret_key, track_id, principal.id, expires, generation=generation, prefix=prefix, download=download
    )
    url = api_url
    if accel:
        try:
            url = secure_link_url(ctx.secret_key, entry.root, entry.relative_path, expires, prefix=prefix)
        except ValueError:
            url = api_url  # a path nginx would normalise differently: go through the app
    return JSONResponse(
        {
            "url": url,
            "api_url": api_url,
            "expires": expires,
            "expires_at": dt.datetime.fromtimestamp(expires, dt.UTC).isoformat(),
        }
    )


stream_endpoint = api_doc(
    "Stream a track",
    description="The track's file, bit-perfect, with HTTP Range (one or several ranges), If-Range and "
    "conditional requests. Signed in, or with a signed URL from /api/tracks/{track_id}/stream-url. "
    "`download=1` answers it as an attachment and records the download.",
    tags=["stream"],
    path={"track_id": "The track's id."},
    query=m.StreamQuery,
    media_types=("audio/*", "application/octet-stream"),
    operation={"responses": STREAM_RESPONSES},
)(signed_url(verify_signed_request)(StreamEndpoint()))

routes = [
    Route("/api/stream/{track_id}", stream_endpoint, methods=["GET", "HEAD"]),
    Route("/api/tracks/{track_id}/stream-url", stream_url, methods=["GET", "POST"]),
]
