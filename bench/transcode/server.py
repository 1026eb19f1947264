"""The benchmark's web process: ranged originals through ``streaming.send_file``, and N transcodes
running in its own threads on demand (as a web process with transcodes in flight).

``python server.py PORT FILE``; ``GET /orig`` (Range) serves FILE; ``POST /load?n=8`` starts n
looping transcodes of FILE to MP3 V0; ``POST /stop`` stops them.
"""

from __future__ import annotations

import sys
import threading

import hypercorn.asyncio
import hypercorn.config

from sonantica_core import streaming
from sonantica_core.transcode import Caps, Sink, TranscodeRequest, encode, plan_transcode, probe_source
from sonantica_core.transcode.job import lower_priority

PORT, FILE = int(sys.argv[1]), sys.argv[2]
SOURCE = probe_source(FILE)
PLAN = plan_transcode(TranscodeRequest(format="mp3"), Caps(), "mp3", SOURCE)
stop = threading.Event()
threads: list[threading.Thread] = []


def loop() -> None:
    lower_priority()  # as the transcoder's own threads do
    while not stop.is_set():
        try:
            encode(FILE, PLAN, Sink(lambda _data: None), stop)
        except Exception:  # Cancelled when stopped
            return


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    if scope["path"] == "/orig":
        await streaming.send_file(scope, receive, send, path=FILE, stat=streaming.stat_file(FILE))
        return
    if scope["path"] == "/load":
        stop.clear()
        for _ in range(int(scope["query_string"].decode().split("=")[1])):
            thread = threading.Thread(target=loop, daemon=True)
            thread.start()
            threads.append(thread)
    elif scope["path"] == "/stop":
        stop.set()
        for thread in threads:
            thread.join()
        threads.clear()
    await streaming.send_status(send, 204, [])


config = hypercorn.config.Config()
config.bind = [f"127.0.0.1:{PORT}"]
config.loglevel = "WARNING"
config.accesslog = None
import asyncio  # noqa: E402

asyncio.run(hypercorn.asyncio.serve(app, config))
