"""Media: ``stream`` and ``download`` through the core's streaming engine (Range, bit-perfect),
``getCoverArt`` through its cover cache, lyrics (``songLyrics``), avatars."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from sonantica_core.db.library import Album, Track
from sonantica_core.http.routes.covers import serve_cover
from sonantica_core.http.routes.stream import StreamEndpoint
from sonantica_core.lyrics import lyrics_for
from sonantica_core.media.covers import SIZES, placeholder
from sonantica_core.media.trackcache import get_track_cache
from sonantica_core.transcode import BadTranscodeRequest, TranscodeRequest, format_named, parse_request
from sonantica_subsonic import ids
from sonantica_subsonic.api import Call, method
from sonantica_subsonic.envelope import ErrorCode, SubsonicError, not_found
from sonantica_subsonic.lists import note_playing

_engine = StreamEndpoint()


class Delegated(Response):
    """Hands the request to another ASGI app with some of its scope replaced."""

    def __init__(self, app: Any, replaced: Mapping[str, Any]) -> None:  # no body of its own
        self.app, self.replaced = app, dict(replaced)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        replaced = dict(self.replaced)
        if scope["method"] == "POST":  # formPost: the form is read; the file is sent as for a GET
            replaced["method"] = "GET"
        await self.app({**scope, **replaced}, receive, send)


async def _playable(call: Call) -> int:
    track_id = ids.number(call.params.required("id"), ids.SONG)
    if await get_track_cache(call.ctx).lookup(call.ctx, track_id) is None:
        raise not_found("song")
    return track_id


@method("stream")
async def stream(call: Call) -> Response:
    """The track through the core's stream route: the original with Range (bit-perfect), or a
    transcode when ``format`` names another one, ``maxBitRate`` is below the original's, or
    ``timeOffset`` starts it later (the ``transcodeOffset`` extension). ``format=raw`` is
    always the original."""
    assert call.caller is not None
    track_id = await _playable(call)
    query = transcode_query(call)
    if call.request.method == "GET" and "range" not in call.request.headers:
        await note_playing(call, track_id)
    return Delegated(
        _engine, {"user": call.caller.principal, "path_params": {"track_id": str(track_id)}, "query_string": query}
    )


def transcode_query(call: Call) -> bytes:
    """The stream route's query for this call's ``format``, ``maxBitRate`` and ``timeOffset``."""
    fmt = (call.params.get("format") or "").strip().lower()
    if fmt in ("raw", "original"):
        return b""
    max_bitrate = call.params.integer("maxBitRate", 0, high=10_000) or None
    offset = call.params.number("timeOffset", 0.0) or 0.0
    if offset < 0:
        raise SubsonicError(ErrorCode.GENERIC, "timeOffset must not be negative")
    if fmt and format_named(fmt) is None:
        fmt = ""  # a format we do not make (wma, …): the apps accept what fits the bitrate asked
    asked = TranscodeRequest(format=fmt or None, bitrate=max_bitrate, time_offset=offset)
    try:
        parse_request(asked.query_string())  # the stream route's own checks, as Subsonic errors
    except BadTranscodeRequest as exc:
        raise SubsonicError(ErrorCode.GENERIC, str(exc)) from None
    return asked.query_string()


@method("download")
async def download(call: Call) -> Response:
    assert call.caller is not None
    track_id = await _playable(call)
    return Delegated(
        _engine,
        {"user": call.caller.principal, "path_params": {"track_id": str(track_id)}, "query_string": b"download=1"},
    )


def _core_size(requested: int | None) -> str:
    if requested is None:
        return "original"
    return str(next((size for size in SIZES if size >= requested), SIZES[-1]))


@method("getCoverArt")
async def get_cover_art(call: Call) -> Response:
    kind, number = ids.parse(call.params.required("id"), ids.ALBUM, ids.SONG, ids.ARTIST, ids.PLAYLIST)
    size = _core_size(call.params.integer("size", low=1))
    async with call.ctx.session() as session:
        if kind == ids.ALBUM:
            found = (await session.execute(select(Album.id, Album.cover_hash).where(Album.id == number))).first()
        elif kind == ids.SONG:
            found = (
                await session.execute(
                    select(Track.id, func.coalesce(Track.cover_hash, Album.cover_hash))
                    .outerjoin(Album, Album.id == Track.album_id)
                    .where(Track.id == number, Track.removed_at.is_(None))
                )
            ).first()
        else:  # artists and playlists have no images of their own: the neutral placeholder
            found = (number, None)
    if found is None:
        raise not_found("cover art")
    scope = {**call.request.scope, "query_string": f"size={size}".encode()}
    return await serve_cover(Request(scope, call.request.receive), found[1], f"{kind}-{number}")


#: The keys of an OpenSubsonic ``structuredLyrics`` line (the core's lines may also carry word times).
_LINE_KEYS = ("start", "value")


def _structured(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The core's structured lyrics as OpenSubsonic's ``structuredLyrics`` (no keys it does not define)."""
    return [
        {**{key: value for key, value in entry.items() if key != "line"},
         "line": [{key: line[key] for key in _LINE_KEYS if key in line} for line in entry["line"]]}
        for entry in document.get("structuredLyrics") or []
    ]


@method("getLyricsBySongId")
async def get_lyrics_by_song_id(call: Call) -> dict[str, Any]:
    """The core's lyrics chain (tags, sidecars, LRCLIB ... in ``LYRICS_ORDER``); empty while a worker looks."""
    track_id = ids.number(call.params.required("id"), ids.SONG)
    answer = await lyrics_for(call.ctx, track_id)
    if answer is None:
        raise not_found("song")
    return {"lyricsList": {"structuredLyrics": _structured(answer.document) if answer.status == "found" else []}}


@method("getLyrics")
async def get_lyrics(call: Call) -> dict[str, Any]:
    """The lyrics of the first song with this artist and title that has any (through the core's chain)."""
    artist, title = call.params.get("artist") or "", call.params.get("title") or ""
    if not title and not artist:
        return {"lyrics": {}}
    query = select(Track.id, Track.artist, Track.title).where(Track.removed_at.is_(None))
    if title:
        query = query.where(func.lower(Track.title) == title.lower())
    if artist:
        query = query.where(func.lower(Track.artist) == artist.lower())
    async with call.ctx.session() as session:
        rows = (await session.execute(query.order_by(Track.lyrics.is_(None), Track.id).limit(5))).all()
    for row in rows:
        answer = await lyrics_for(call.ctx, row.id)
        if answer is not None and answer.status == "found" and answer.document.get("plain"):
            return {"lyrics": {"artist": row.artist or "", "title": row.title, "value": answer.document["plain"]}}
    return {"lyrics": {"artist": artist, "title": title}}


@method("getAvatar")
async def get_avatar(call: Call) -> Response:
    call.params.required("username")
    return Response(
        placeholder(256, "png"), media_type="image/png", headers={"Cache-Control": "private, max-age=86400"}
    )
