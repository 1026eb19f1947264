"""Answering a stream request with a transcode (raw ASGI, like :mod:`sonantica_core.streaming`).

**Length policy.** A finished transcode is a file: exact ``Content-Length``, ``ETag``,
``Accept-Ranges: bytes``, any Range, through :func:`sonantica_core.streaming.send_file`. A
running one has no length yet, so none is invented: a 200 goes out chunked as the encoder writes
(no padding, no estimate), and a single Range is answered from what is written, as
``206 bytes FIRST-LAST/*`` (RFC 9110 §14.4: length unknown), ending at the last written byte
when the range is open (the client asks again for the rest); a range reaching beyond what is
written waits for those bytes (up to :data:`RANGE_WAIT_SECONDS`). Both carry
``X-Content-Duration``: the seconds the output covers (the source's duration less
``timeOffset``), which players use for their seek bar.

Everything that can refuse (a bad parameter, a cap, an unreadable source) raises before any
byte is sent: :class:`~.errors.BadTranscodeRequest`, :class:`~.errors.TranscodeBusy`,
:class:`~.errors.SourceUnreadable`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

import anyio
from sqlalchemy import select

from sonantica_core import streaming
from sonantica_core.context import CoreContext
from sonantica_core.db.analysis import TrackAudioFeatures
from sonantica_core.streaming import FileStat
from sonantica_core.streaming.reader import read_into

from .gain import gain_factor
from .job import Job, Reader
from .plan import Plan, caps_for, plan_transcode
from .probe import probe_source
from .request import TranscodeRequest
from .service import get_transcoder

__all__ = ["TrackSource", "serve_transcode"]

_CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
#: How long a range beyond what is written waits for the encoder.
RANGE_WAIT_SECONDS = 30.0


class TrackSource:
    """The track being streamed: its id, where its file is (and its stat now), its identity."""

    __slots__ = ("content_hash", "path", "relative_path", "root", "stat", "track_id")

    def __init__(
        self, track_id: int, root: str, relative_path: str, path: str, stat: FileStat, content_hash: str
    ) -> None:
        self.track_id, self.root, self.relative_path = track_id, root, relative_path
        self.path, self.stat, self.content_hash = path, stat, content_hash

    @property
    def identity(self) -> str:
        return f"{self.content_hash}|{self.stat.size}|{self.stat.mtime_ns}"


async def _gain(ctx: CoreContext, track_id: int, mode: str | None) -> float:
    if mode is None:
        return 1.0
    f = TrackAudioFeatures
    async with ctx.session() as session:
        row = (
            await session.execute(
                select(
                    f.replaygain_track_gain, f.replaygain_track_peak, f.replaygain_album_gain, f.replaygain_album_peak
                ).where(f.track_id == track_id)
            )
        ).first()
    if row is None:
        return 1.0
    if mode == "album" and row.replaygain_album_gain is not None:
        return gain_factor(row.replaygain_album_gain, row.replaygain_album_peak)
    return gain_factor(row.replaygain_track_gain, row.replaygain_track_peak)


async def plan_for(
    ctx: CoreContext, request: TranscodeRequest, source: TrackSource, user_id: int
) -> tuple[Plan, float] | None:
    """What this request makes of the track for this user, and the seconds it covers; None: the
    original fits."""
    transcoder = get_transcoder(ctx)
    username = await transcoder.username(user_id) if ctx.settings.transcode_user_caps else None
    caps, format_name = caps_for(ctx.settings, request, username)
    if request.plain and not caps.kbps and not caps.rate:
        return None
    st = source.stat
    info = transcoder.probed(source.path, st.size, st.mtime_ns)
    if info is None:
        info = await anyio.to_thread.run_sync(probe_source, source.path)
        transcoder.remember_probe(source.path, st.size, st.mtime_ns, info)
    gain = await _gain(ctx, source.track_id, request.replay_gain)
    plan = plan_transcode(request, caps, format_name, info, gain)
    return None if plan is None else (plan, max(0.0, info.duration - plan.offset))


async def serve_transcode(
    scope: dict[str, Any],
    receive: Any,
    send: Any,
    *,
    ctx: CoreContext,
    request: TranscodeRequest,
    source: TrackSource,
    user_id: int,
    headers: list[tuple[bytes, bytes]],
    named: Callable[[str], tuple[bytes, bytes]] | None = None,
) -> bool:
    """Answer with the transcode ``request`` asks for; False (nothing sent) when the original fits.

    ``named(extension)``, for a download, gives the ``Content-Disposition`` header of the output."""
    planned = await plan_for(ctx, request, source, user_id)
    if planned is None:
        return False
    plan, duration = planned
    transcoder = get_transcoder(ctx)
    key = plan.key(source.identity)
    fmt = plan.format
    headers = [*headers, (b"x-content-duration", b"%.3f" % duration)]
    if named is not None:
        headers.append(named(fmt.extension))
    cached = transcoder.cache.lookup(key, fmt.extension)
    if cached is not None:
        try:
            await streaming.send_file(
                scope, receive, send, path=cached[0], stat=cached[1], content_type=fmt.content_type, headers=headers
            )
            return True
        except (FileNotFoundError, streaming.FileChangedError):
            pass  # evicted between the stat and the open: make it again
    ctype = (b"content-type", fmt.content_type.encode("ascii"))
    if scope["method"] == "HEAD":
        await streaming.send_status(send, 200, [ctype, (b"accept-ranges", b"bytes"), *headers])
        return True
    job = transcoder.start_or_join(key, source.path, plan, user_id, (source.root, source.relative_path))
    reader = job.attach()
    try:
        await _send_running(scope, receive, send, job, reader, [ctype, (b"accept-ranges", b"bytes"), *headers])
    finally:
        reader.close()
    return True


def _range_of(scope: dict[str, Any]) -> tuple[int, int | None] | None:
    for name, value in scope["headers"]:
        if name == b"range":
            match = _RANGE.match(value.decode("latin-1").replace(" ", "").lower())
            if match is None:
                return None  # suffix or several ranges: not answerable before the end; a 200 instead
            return int(match.group(1)), int(match.group(2)) if match.group(2) else None
    return None


async def _send_running(
    scope: dict[str, Any], receive: Any, send: Any, job: Job, reader: Reader, headers: list[tuple[bytes, bytes]]
) -> None:
    wanted = _range_of(scope)
    start, end = 0, None
    status = 200
    if wanted is not None:
        start, last = wanted
        with anyio.move_on_after(RANGE_WAIT_SECONDS):
            await job.wait_beyond(start if last is None else last)  # a closed range: all of it
        if job.written <= start:
            size = b"%d" % job.written if job.done else b"*"
            await streaming.send_status(send, 416, [(b"content-range", b"bytes */" + size), (b"content-length", b"0")])
            return
        end = min(last, job.written - 1) if last is not None else job.written - 1
        total = b"%d" % job.written if job.done else b"*"
        headers = [
            *headers,
            (b"content-range", b"bytes %d-%d/" % (start, end) + total),
            (b"content-length", b"%d" % (end - start + 1)),
        ]
        status = 206
    await send({"type": "http.response.start", "status": status, "headers": headers})
    async with anyio.create_task_group() as tg:

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            tg.cancel_scope.cancel()

        tg.start_soon(watch)
        with contextlib.suppress(OSError):  # the client went away while we sent
            await _pump(send, job, reader, start, end)
        tg.cancel_scope.cancel()


async def _pump(send: Any, job: Job, reader: Reader, position: int, end: int | None) -> None:
    """Send the part file's bytes from ``position`` (to ``end``, or until the job is done)."""
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    reader.advanced(position)
    while True:
        stop = job.written if end is None else min(job.written, end + 1)
        if position < stop:
            n = await read_into(reader.fd, view[: min(_CHUNK, stop - position)], position)
            if n <= 0:
                break
            position += n
            reader.advanced(position)
            await send({"type": "http.response.body", "body": bytes(view[:n]), "more_body": True})
            continue
        if (end is not None and position > end) or job.done:
            break
        await job.wait_beyond(position)
    await send({"type": "http.response.body", "body": b"", "more_body": False})
