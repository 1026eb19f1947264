"""``/api/covers``: album and track covers, resized and cached, with a placeholder.

``GET /api/covers/{album_id}?size=256`` answers WebP when the client's ``Accept``
names ``image/webp``, JPEG otherwise (``size=original``: the stored image as it is).
Thumbnails are made once, off the event loop, and kept in the derived-data directory.
Answers carry a strong ``ETag`` and ``Vary: Accept``; real covers are cacheable
forever (``immutable``: links carry ``v``, the image's hash, so a new cover is a new
URL), placeholders for a day. ``If-None-Match`` gets a 304.
"""

from __future__ import annotations

import asyncio
import logging

import anyio
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from sonantica_core.db.library import Album, Track
from sonantica_core.http.errors import ApiError
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.params import parse_query
from sonantica_core.http.reading import path_id, read_only
from sonantica_core.http.util import core
from sonantica_core.library.queries import CoverQuery
from sonantica_core.media import covers

log = logging.getLogger("sonantica.covers")

FOREVER = "public, max-age=31536000, immutable"
PLACEHOLDER_CACHE = "public, max-age=86400"
PLACEHOLDER_SIZE = 512
#: Thumbnails made at once (each takes a core while it runs).
RENDERERS = 2

A, T = Album.__table__.c, Track.__table__.c


def preferred_format(accept: str | None) -> str:
    """``webp`` when the client accepts WebP (q > 0), else ``jpg``."""
    for part in (accept or "").split(","):
        media, _, params = part.strip().partition(";")
        if media.strip().lower() != "image/webp":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        return "webp" if quality > 0 else "jpg"
    return "jpg"


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 says for it)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def _headers(etag: str, cache: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": cache, "Vary": "Accept"}


def _limiter(request: Request) -> anyio.CapacityLimiter:
    services = core(request).services
    limiter = services.cover_renderers
    if limiter is None:
        limiter = services.cover_renderers = anyio.CapacityLimiter(RENDERERS)
    return limiter


async def _thumbnail(request: Request, original: covers.Original, size: int, fmt: str) -> bytes:
    storage = core(request).storage
    target = covers.thumbnail_path(storage, original.hash, size, fmt)
    if not target.is_file():
        locks: dict[tuple[str, int, str], asyncio.Lock] = core(request).services.cover_locks
        key = (original.hash, size, fmt)
        lock = locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:  # one request makes it; the others wait and read it
                if not target.is_file():
                    await anyio.to_thread.run_sync(
                        covers.thumbnail, storage, original, size, fmt, limiter=_limiter(request)
                    )
        finally:
            if not lock.locked():
                locks.pop(key, None)
    return target.read_bytes()


async def serve_cover(request: Request, cover_hash: str | None, what: str) -> Response:
    """The answer for a cover request once the cover's hash (or its absence) is known."""
    query = parse_query(CoverQuery, request)
    fmt = preferred_format(request.headers.get("accept"))
    original = covers.find_original(core(request).storage, cover_hash) if cover_hash else None
    if cover_hash and original is None:
        log.warning("cover %s of %s is missing from the derived-data directory", cover_hash, what)
    if original is None:
        size = PLACEHOLDER_SIZE if query.size == "original" else int(query.size)
        etag = f'"placeholder-{size}-{fmt}-1"'
        headers = _headers(etag, PLACEHOLDER_CACHE)
        if matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        body = covers.placeholder(size, fmt)
        return Response(body, media_type=covers.OUTPUTS[fmt][1], headers=headers)
    if query.size == "original":
        etag = f'"{original.hash[:32]}-original"'
        headers = _headers(etag, FOREVER)
        if matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return FileResponse(original.path, media_type=original.mime, headers=headers)
    size = int(query.size)
    etag = f'"{original.hash[:32]}-{size}-{fmt}"'
    headers = _headers(etag, FOREVER)
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    try:
        body = await _thumbnail(request, original, size, fmt)
    except covers.CoverError as exc:
        raise ApiError(422, f"the stored cover of {what} cannot be used: {exc}", code="bad_cover") from None
    return Response(body, media_type=covers.OUTPUTS[fmt][1], headers=headers)


_COVER_DOC = dict(
    tags=["covers"],
    query=CoverQuery,
    media_types=("image/webp", "image/jpeg", "image/png", "image/gif"),
    headers={
        "ETag": "Strong validator of this image in this size and format.",
        "Cache-Control": "public, max-age=31536000, immutable (placeholders: a day).",
        "Vary": "Accept",
    },
    responses={304: "Not modified (If-None-Match)", 422: "The stored image cannot be read"},
)


@api_doc(
    "An album's cover",
    description="The album's cover at the requested size, as WebP when `Accept` names image/webp, else JPEG; "
    "a neutral placeholder when the album has none. `size=original` answers the image as stored.",
    path={"album_id": "The album's id."},
    **_COVER_DOC,  # type: ignore[arg-type]
)
async def album_cover(request: Request) -> Response:
    album_id = path_id(request, "album_id", "album")
    async with read_only(request) as conn:
        row = (await conn.execute(select(A.id, A.cover_hash).where(A.id == album_id))).first()
    if row is None:
        raise ApiError(404, f"no album with id {album_id}")
    return await serve_cover(request, row.cover_hash, f"album {album_id}")


@api_doc(
    "A track's cover",
    description="The track's own cover, else its album's, else a placeholder; sizes and formats as for albums.",
    path={"track_id": "The track's id."},
    **_COVER_DOC,  # type: ignore[arg-type]
)
async def track_cover(request: Request) -> Response:
    track_id = path_id(request, "track_id", "track")
    async with read_only(request) as conn:
        row = (
            await conn.execute(
                select(T.id, func.coalesce(T.cover_hash, A.cover_hash).label("cover_hash"))
                .select_from(Track.__table__.outerjoin(Album.__table__, A.id == T.album_id))
                .where(T.id == track_id, T.removed_at.is_(None))
            )
        ).first()
    if row is None:
        raise ApiError(404, f"no track with id {track_id} in the library")
    return await serve_cover(request, row.cover_hash, f"track {track_id}")


#: ``{name:id}`` is :class:`~sonantica_core.plugins.ids.IdConvertor`: ids 1 to 2**63-1 only (any other
#: segment is a 404 from the router; ``{name:int}`` took any digits, a 500 past 64 bits or 4300 digits).
routes = [
    Route("/api/covers/track/{track_id:id}", track_cover, methods=["GET", "HEAD"]),
    Route("/api/covers/{album_id:id}", album_cover, methods=["GET", "HEAD"]),
]
