"""``GET /plugins/lrclib/lyrics/{track_id}``: cached lyrics as timed lines; a lookup is queued when unknown."""

from __future__ import annotations

from typing import Any

from sqlalchemy import column, exists, select, table
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from sonantica_core.http.errors import ApiError
from sonantica_core.tasks import Priority, send
from sonantica_lrclib.lrc import parse_lrc, plain_from_lrc
from sonantica_lrclib.store import CachedLyrics, cached_lyrics
from sonantica_lrclib.tasks import fetch_lyrics

#: The core's tracks, as far as this plugin needs them.
_tracks = table("tracks", column("id"), column("removed_at"))


def lyrics_routes(ctx: Any) -> list[BaseRoute]:
    """The plugin's routes, closing over the core context."""

    async def lyrics(request: Request) -> JSONResponse:
        track_id: int = request.path_params["track_id"]
        cached = await cached_lyrics(ctx, track_id)
        if cached is not None and cached.found:
            return JSONResponse(lyrics_json(cached))
        if not await _track_exists(ctx, track_id):
            raise ApiError(404, f"there is no track {track_id}")
        if cached is not None:
            raise ApiError(404, "LRCLIB has no lyrics for this track", code="no_lyrics")
        if not ctx.plugin_config("lrclib").fetch_on_request:
            raise ApiError(404, "lyrics for this track have not been fetched", code="no_lyrics")
        if await ctx.redis.set(f"sonantica:lrclib:queued:{track_id}", "1", nx=True, ex=60):
            await send(fetch_lyrics, track_id, priority=Priority.HIGH)
        return JSONResponse({"status": "queued", "track_id": track_id}, status_code=202, headers={"Retry-After": "2"})

    # {track_id:id}: the plugin kit's id convertor (sonantica_core.plugins.IdConvertor): the endpoint
    # only ever sees an id the database can hold; any other segment is the router's 404.
    return [Route("/lyrics/{track_id:id}", lyrics, methods=["GET", "HEAD"])]


def lyrics_json(cached: CachedLyrics) -> dict[str, Any]:
    """The answer for lyrics LRCLIB knows: plain text and timed lines."""
    synced = parse_lrc(cached.synced) if cached.synced else ()
    return {
        "track_id": cached.track_id,
        "source": "lrclib",
        "instrumental": cached.instrumental,
        "plain": cached.plain or (plain_from_lrc(cached.synced) if cached.synced else None),
        "synced": [{"start": line.start, "text": line.text} for line in synced],
        "fetched_at": cached.fetched_at.isoformat(),
    }


async def _track_exists(ctx: Any, track_id: int) -> bool:
    query = select(exists().where(_tracks.c.id == track_id, _tracks.c.removed_at.is_(None)))
    async with ctx.session() as session:
        return bool((await session.execute(query)).scalar())
