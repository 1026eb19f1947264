"""A streamed ZIP of tracks (an album, a playlist): originals or transcodes, never a temporary copy.

:mod:`zipfile` writes to a non-seekable sink, so each member's sizes and CRC follow its data
(a data descriptor) and nothing is rewritten; members are *stored*, not deflated (audio does
not compress). The archive is made in a worker thread and handed to the event loop through a
small buffer (backpressure: the thread waits while the client reads); a client that goes away
stops it at the next block.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread

from .encoder import Cancelled, Sink, encode
from .errors import TranscodeError
from .plan import Plan

__all__ = ["Member", "send_zip", "write_zip"]

log = logging.getLogger("sonantica.transcode")
_BLOCK = 256 * 1024


@dataclass(frozen=True, slots=True)
class Member:
    """One file of the archive: its name inside, the source, and the transcode (None: as it is)."""

    name: str
    path: str
    plan: Plan | None = None


class _Out:
    """Write-only, without ``tell``/``seek``: :mod:`zipfile` then streams."""

    def __init__(self, write: Callable[[bytes], None]) -> None:
        self._write = write

    def write(self, data: bytes) -> int:
        self._write(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def write_zip(members: Sequence[Member], write: Callable[[bytes], None], cancelled: threading.Event) -> None:
    """Write the archive of ``members`` through ``write`` (blocking; raises :class:`Cancelled`)."""
    stamp = dt.datetime.now().timetuple()[:6]
    with zipfile.ZipFile(_Out(write), "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for member in members:
            if cancelled.is_set():
                raise Cancelled("stopped")
            if member.plan is None:
                archive.write(member.path, member.name)
                continue
            info = zipfile.ZipInfo(member.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w", force_zip64=True) as entry:
                try:
                    encode(member.path, member.plan, Sink(entry.write), cancelled)
                except Cancelled:
                    raise
                except TranscodeError as exc:  # what was made of it is kept; the rest still comes
                    log.warning("download archive: %s: %s", member.name, exc)


async def send_zip(
    scope: dict[str, Any], receive: Any, send: Any, members: Sequence[Member], headers: list[tuple[bytes, bytes]]
) -> None:
    """Answer with the streamed archive (200, chunked, ``application/zip``)."""
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/zip"), *headers]}
    )
    cancelled = threading.Event()
    tx, rx = anyio.create_memory_object_stream[bytes](4)

    def work() -> None:
        pending = bytearray()

        def put(data: bytes) -> None:
            pending.extend(data)
            if len(pending) >= _BLOCK:
                anyio.from_thread.run(tx.send, bytes(pending))
                pending.clear()

        try:
            write_zip(members, put, cancelled)
            if pending:
                anyio.from_thread.run(tx.send, bytes(pending))
        except (Cancelled, anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass
        finally:
            with contextlib.suppress(RuntimeError, anyio.ClosedResourceError):
                anyio.from_thread.run_sync(tx.close)

    async with anyio.create_task_group() as tg:

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            cancelled.set()
            rx.close()

        async def produce() -> None:
            await anyio.to_thread.run_sync(work)

        tg.start_soon(watch)
        tg.start_soon(produce)
        try:
            async for chunk in rx:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (OSError, anyio.ClosedResourceError):
            cancelled.set()
        finally:
            rx.close()
        tg.cancel_scope.cancel()
