"""The benchmark's web process: ranged GETs of one original through ``streaming.send_file``.

``python server.py PORT FILE``; ``GET /orig`` (Range) serves FILE.
"""

from __future__ import annotations

import asyncio
import sys

import hypercorn.asyncio
import hypercorn.config

from sonantica_core import streaming

PORT, FILE = int(sys.argv[1]), sys.argv[2]


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    await streaming.send_file(scope, receive, send, path=FILE, stat=streaming.stat_file(FILE))


config = hypercorn.config.Config()
config.bind = [f"127.0.0.1:{PORT}"]
config.loglevel = "WARNING"
config.accesslog = None
asyncio.run(hypercorn.asyncio.serve(app, config))
