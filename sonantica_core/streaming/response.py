"""``FileStreamResponse``: the sender as a Starlette ``Response`` for ordinary endpoints.

For the hottest path (a player seeking), mount a raw ASGI route that calls
:func:`~.sender.send_file` directly and skips middleware; an endpoint returning this response costs
a little more per request but behaves the same.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.responses import Response

from .accel import accel_uri
from .etag import make_etag
from .fdcache import FdCache, FileChangedError, FileStat, stat_file
from .sender import DEFAULT_CHUNK_SIZE, HeaderPairs, Scope, send_accel_redirect, send_file, send_status

__all__ = ["FileStreamResponse"]


class FileStreamResponse(Response):
    """Serve a media file with Range, conditionals, HEAD and bounded memory.

    ``stat`` and ``etag`` may come from the app's in-process cache of the track (``stat`` must be
    fresh: from :func:`~.fdcache.stat_file` in this request); when ``stat`` is omitted the file
    is stat-ed here. ``content_hash`` (from the database) makes the ETag content-addressed, see
    :func:`~.etag.make_etag`. With ``accel=(root_name, relpath)`` the answer is an
    ``X-Accel-Redirect`` for nginx instead of the bytes. A missing file answers 404.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        stat: FileStat | None = None,
        etag: str | None = None,
        content_hash: str | bytes | None = None,
        content_type: str | None = None,
        headers: HeaderPairs = (),
        accel: tuple[str, str] | None = None,
        cache: FdCache | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        self.path = os.fspath(path)
        self.stat = stat
        self.etag = etag
        self.content_hash = content_hash
        self.content_type = content_type
        self.extra_headers = list(headers)
        self.accel = accel
        self.cache = cache
        self.chunk_size = chunk_size
        self.status_code = 200
        self.background = None
        self.raw_headers: list[tuple[bytes, bytes]] = []

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:  # type: ignore[override]
        if self.accel is not None:
            await send_accel_redirect(
                scope,
                receive,
                send,
                uri=accel_uri(*self.accel),
                content_type=self.content_type,
                headers=self.extra_headers,
            )
            return
        for attempt in range(2):
            try:
                stat = self.stat if self.stat is not None and attempt == 0 else stat_file(self.path)
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
                await send_status(send, 404, [(b"content-length", b"0")])
                return
            etag = self.etag
            if etag is None or attempt:
                etag = make_etag(stat.size, stat.mtime_ns, self.content_hash if attempt == 0 else None)
            try:
                await send_file(
                    scope,
                    receive,
                    send,
                    path=self.path,
                    stat=stat,
                    etag=etag,
                    content_type=self.content_type,
                    headers=self.extra_headers,
                    cache=self.cache,
                    chunk_size=self.chunk_size,
                )
                return
            except FileChangedError:
                continue  # changed between stat and open: stat again, once
            except (FileNotFoundError, PermissionError):
                await send_status(send, 404, [(b"content-length", b"0")])
                return
        await send_status(send, 503, [(b"content-length", b"0"), (b"retry-after", b"1")])
