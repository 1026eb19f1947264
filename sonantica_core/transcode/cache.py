"""Finished transcodes on disk (``DATA_DIR/derived/transcodes/<hh>/<key>.<ext>``), size-capped, LRU.

A file appears here only whole (renamed from its ``.part`` when the encoder is done) and never
changes afterwards, so it is served like an original (Range, ETag from its size and mtime).
Each use sets the file's access time (explicitly: ``noatime`` mounts do not), and when the
total passes the cap the least recently used go first. Eviction scans the folder, so several
web processes sharing it stay correct; it runs in the encoder's thread, never on the event loop.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
from pathlib import Path

from sonantica_core.context import DerivedStorage
from sonantica_core.streaming import FileStat, stat_file

__all__ = ["TranscodeCache"]

log = logging.getLogger("sonantica.transcode")
KIND = "transcodes"
PART = ".part"
_JOBS = itertools.count(1)
#: A part file older than this belongs to no running job (one that runs writes every few seconds).
STALE_PART_SECONDS = 6 * 3600


class TranscodeCache:
    """The transcode folder of ``storage``, holding at most ``cap_bytes``."""

    def __init__(self, storage: DerivedStorage, cap_bytes: int) -> None:
        self.storage = storage
        self.cap_bytes = cap_bytes
        self.root = storage.root / KIND

    def path(self, key: str, extension: str) -> Path:
        """Where the finished output ``key`` lives."""
        return self.storage.path(KIND, key, f"{key}.{extension}")

    def part_path(self, key: str, extension: str) -> Path:
        """Where ``key`` is written while it is being made: a name of this process and job alone
        (a job still stopping, or another process making the same output, has its own)."""
        final = self.path(key, extension)
        return final.with_name(f".{final.name}.{os.getpid()}-{next(_JOBS)}{PART}")

    def lookup(self, key: str, extension: str) -> tuple[str, FileStat] | None:
        """The finished file and its stat (marked as used now), or None."""
        path = self.path(key, extension)
        try:
            st = stat_file(str(path))
        except (FileNotFoundError, NotADirectoryError):
            return None
        with contextlib.suppress(OSError):  # evicted meanwhile: then the open misses it
            os.utime(path, ns=(time.time_ns(), st.mtime_ns))
        return str(path), st

    def entries(self) -> list[tuple[int, int, Path]]:
        """(last use ns, size, path) of every finished file."""
        found = []
        if not self.root.is_dir():
            return found
        for folder in os.scandir(self.root):
            if not folder.is_dir(follow_symlinks=False):
                continue
            for item in os.scandir(folder.path):
                if not item.is_file(follow_symlinks=False):
                    continue
                if item.name.startswith("."):
                    _drop_if_stale(item)
                    continue
                st = item.stat(follow_symlinks=False)
                found.append((st.st_atime_ns, st.st_size, Path(item.path)))
        return found

    def evict(self) -> int:
        """Delete the least recently used files until the total is within the cap; bytes freed."""
        entries = sorted(self.entries())
        total = sum(size for _, size, _ in entries)
        freed = 0
        for _, size, path in entries:
            if total <= self.cap_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            total -= size
            freed += size
        if freed:
            log.info("transcode cache: %d bytes of least recently used transcodes removed", freed)
        return freed


def _drop_if_stale(item: os.DirEntry[str]) -> None:
    """A part file untouched for :data:`STALE_PART_SECONDS` was left by a process that died."""
    with contextlib.suppress(OSError):
        if item.name.endswith(PART) and time.time() - item.stat().st_mtime > STALE_PART_SECONDS:
            os.unlink(item.path)
