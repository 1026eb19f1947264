"""Reading file bytes without blocking the event loop, and without a thread hop when possible.

``preadv2(..., RWF_NOWAIT)`` (Linux ≥ 4.14 on ext4, xfs, btrfs, tmpfs...) copies what is already
in the page cache and returns EAGAIN or a short count instead of waiting for the disk. That part
is read directly on the event loop; only the remainder is read by one blocking ``pread`` loop in
a worker thread. Where the flag is unsupported (another OS, or a file system answering
EOPNOTSUPP) every read goes to the thread.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

import anyio.to_thread

__all__ = ["ReadStats", "read_into", "stats"]

_HAS_PREADV = hasattr(os, "preadv")
_RWF_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None) if _HAS_PREADV else None


@dataclass(slots=True)
class ReadStats:
    """Counters of where reads were served from (per process)."""

    nowait_reads: int = 0  #: reads fully served on the event loop
    thread_reads: int = 0  #: reads that needed the worker thread


stats = ReadStats()


def _pread_full(fd: int, view: memoryview, offset: int) -> int:
    """Blocking: fill ``view`` from ``offset``; fewer bytes only at end of file."""
    got, n = 0, len(view)
    while got < n:
        if _HAS_PREADV:
            count = os.preadv(fd, [view[got:]], offset + got)
        else:
            data = os.pread(fd, n - got, offset + got)
            count = len(data)
            view[got : got + count] = data
        if count == 0:
            break
        got += count
    return got


def _try_nowait(fd: int, view: memoryview, offset: int) -> int:
    """Copy what the page cache already holds; 0 when nothing could be read without waiting."""
    global _RWF_NOWAIT
    if _RWF_NOWAIT is None:
        return 0
    try:
        return os.preadv(fd, [view], offset, _RWF_NOWAIT)
    except BlockingIOError:
        return 0
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            _RWF_NOWAIT = None  # not supported here: always use the thread
            return 0
        raise


async def read_into(fd: int, view: memoryview, offset: int) -> int:
    """Fill ``view`` with the file's bytes from ``offset``; returns the count (short at EOF)."""
    n = len(view)
    got = _try_nowait(fd, view, offset)
    while 0 < got < n:  # partly cached: take what else is there without waiting
        more = _try_nowait(fd, view[got:], offset + got)
        if more == 0:
            break
        got += more
    if got == n:
        stats.nowait_reads += 1
        return n
    stats.thread_reads += 1
    rest = await anyio.to_thread.run_sync(_pread_full, fd, view[got:], offset + got)
    return got + rest
