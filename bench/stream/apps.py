"""The ASGI apps the streaming benchmark serves with Hypercorn (``BENCH_MEDIA`` = media directory).

* ``naive``: Starlette ``FileResponse`` behind a Starlette route, what a straightforward app does.
* ``sonantica``: the hot path as the app should mount it: a raw ASGI callable that looks the
  track up in an in-process table, stats it once and calls ``send_file`` (no middleware).
  ``/accel/NAME`` answers with ``X-Accel-Redirect`` for the front-proxy runs.
* ``sonantica_starlette``: the same through a Starlette route returning ``FileStreamResponse``.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from sonantica_core import streaming

MEDIA = os.environ.get("BENCH_MEDIA", "/tmp/sonantica-bench-media")
_NOT_FOUND = [(b"content-length", b"0")]


def _table() -> dict[str, str]:
    """name → absolute path, as the app's in-process track cache would hold it."""
    return {n: os.path.join(MEDIA, n) for n in os.listdir(MEDIA)} if os.path.isdir(MEDIA) else {}


TRACKS = _table()
_CACHE_CONTROL = [(b"cache-control", b"private, max-age=3600")]
CHUNK = int(os.environ.get("BENCH_CHUNK", streaming.DEFAULT_CHUNK_SIZE))


async def sonantica(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Raw ASGI: /media/NAME streams the bytes, /accel/NAME delegates to nginx."""
    if scope["type"] != "http":
        while scope["type"] == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
        return
    path: str = scope["path"]
    if path.startswith("/media/"):
        name = path[7:]
        full = TRACKS.get(name)
        if full is None:
            await streaming.send_status(send, 404, _NOT_FOUND)
            return
        st = streaming.stat_file(full)
        await streaming.send_file(scope, receive, send, path=full, stat=st, headers=_CACHE_CONTROL, chunk_size=CHUNK)
    elif path.startswith("/accel/"):
        name = path[7:]
        if name not in TRACKS:
            await streaming.send_status(send, 404, _NOT_FOUND)
            return
        await streaming.send_accel_redirect(
            scope,
            receive,
            send,
            uri=streaming.accel_uri("music", name),
            content_type=streaming.content_type_for(name),
            headers=_CACHE_CONTROL,
        )
    else:
        await streaming.send_status(send, 404, _NOT_FOUND)


async def _naive_endpoint(request: Request) -> Response:
    full = TRACKS.get(request.path_params["name"])
    if full is None:
        return Response(status_code=404)
    return FileResponse(full)


async def _stream_endpoint(request: Request) -> Response:
    full = TRACKS.get(request.path_params["name"])
    if full is None:
        return Response(status_code=404)
    return streaming.FileStreamResponse(full, headers=_CACHE_CONTROL)


naive = Starlette(routes=[Route("/media/{name}", _naive_endpoint)])
sonantica_starlette = Starlette(routes=[Route("/media/{name}", _stream_endpoint)])
