"""A small app serving a media directory through ``sonantica_core.streaming``, for the tests.

Routes (``NAME`` is a file name in the media directory):

* ``/fast/NAME``   raw ASGI route calling ``send_file`` (the hot path, no Starlette around it)
* ``/resp/NAME``   a Starlette endpoint returning ``FileStreamResponse``
* ``/accel/NAME``  ``X-Accel-Redirect`` to ``/internal-media/music/NAME`` (for nginx)
* ``/etag/NAME``   the ETag as text; ``/fds``: regular files open in this process, and
  references to cached descriptors held by responses in flight

Run as a script (``python streaming_testapp.py PORT MEDIA_DIR``) it serves with Hypercorn on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import sys
from pathlib import Path
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from sonantica_core import streaming

#: Content of ``track.flac``: 10,000 reproducible random bytes.
DATA = random.Random(4).randbytes(10_000)
SIZE = len(DATA)
BIG = 5 * 1024**3 + 12_345  # sparse, past 2^32
BIG_TAIL = random.Random(5).randbytes(4096)  # written at BIG - 4096
HERE = Path(__file__).parent
REPO = HERE.parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_app(media_dir: str, headers: list[tuple[bytes, bytes]] | None = None) -> Starlette:
    """The test app over ``media_dir``; ``headers`` are added to every file response."""
    extra = headers if headers is not None else [(b"cache-control", b"private, max-age=60")]

    def resolve(name: str) -> str | None:
        full = os.path.realpath(os.path.join(media_dir, name))
        return full if full.startswith(os.path.realpath(media_dir) + os.sep) else None

    async def fast(scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = resolve(get_route_path(scope).lstrip("/"))
        try:
            if path is None:
                raise FileNotFoundError
            st = streaming.stat_file(path)
        except OSError:
            await streaming.send_status(send, 404, [(b"content-length", b"0")])
            return
        await streaming.send_file(scope, receive, send, path=path, stat=st, headers=extra)

    async def resp(request: Request) -> Response:
        path = resolve(request.path_params["name"])
        if path is None:
            return Response(status_code=404)
        return streaming.FileStreamResponse(path, headers=extra)

    async def accel(request: Request) -> Response:
        name = request.path_params["name"]
        return streaming.FileStreamResponse(
            name, accel=("music", name), content_type=streaming.content_type_for(name), headers=extra
        )

    async def etag(request: Request) -> Response:
        path = resolve(request.path_params["name"])
        assert path is not None
        st = streaming.stat_file(path)
        return PlainTextResponse(streaming.make_etag(st.size, st.mtime_ns))

    async def fds(request: Request) -> Response:
        files = 0
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                files += os.path.isfile(os.readlink(f"/proc/self/fd/{fd}"))
        refs = sum(e.refs for e in streaming.default_cache._entries.values())
        return PlainTextResponse(f"{files} {refs}")

    return Starlette(
        routes=[
            Mount("/fast", app=fast),
            Route("/resp/{name:path}", resp, methods=["GET", "HEAD", "POST"]),
            Route("/accel/{name:path}", accel, methods=["GET", "HEAD"]),
            Route("/etag/{name:path}", etag),
            Route("/fds", fds),
        ]
    )


def main() -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    port, media_dir = int(sys.argv[1]), sys.argv[2]
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = "-"
    asyncio.run(serve(build_app(media_dir), config))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
