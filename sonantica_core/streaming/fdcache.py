"""File identity (one ``stat``) and an LRU cache of open file descriptors.

Correctness with one cheap ``stat`` per request: the caller stats the path
(:func:`stat_file`); the cache hands out its open descriptor only when the descriptor's
``fstat`` at open time equals that stat in inode, device, size and mtime. A file rewritten in place
or replaced by a rename is thus reopened on the next request, and a descriptor is never read
after it stopped naming the file at that path. Inode and device are used here, locally, only:
they never reach the ETag.

Descriptors are reference-counted: one evicted or invalidated while a response is still reading
from it (possibly in a worker thread) is closed only when that response releases it, so an fd
number can never be reused under a reader's feet.

Each process has its own cache; :meth:`FdCache.invalidate` (or the module-level
:func:`invalidate`) drops entries after a rescan or when a media root goes away. Stale entries are
also caught by the stat check, so invalidation frees descriptors sooner but is not needed for
correctness.
"""

from __future__ import annotations

import os
import stat as stat_module
from collections import OrderedDict
from dataclasses import dataclass

from sonantica_core.errors import SonanticaError

__all__ = ["FdCache", "FileChangedError", "FileStat", "OpenFile", "default_cache", "invalidate", "stat_file"]


@dataclass(frozen=True, slots=True)
class FileStat:
    """What identifies one version of a file: its size and mtime, and locally its inode."""

    size: int
    mtime_ns: int
    ino: int = 0
    dev: int = 0

    @property
    def last_modified(self) -> int:
        """Whole POSIX seconds of the modification time (the Last-Modified value)."""
        return self.mtime_ns // 1_000_000_000

    @classmethod
    def from_os(cls, st: os.stat_result) -> FileStat:
        """From an ``os.stat_result``."""
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


class FileChangedError(SonanticaError, OSError):
    """The file at a path changed between the caller's stat and the open."""


def stat_file(path: str | os.PathLike[str]) -> FileStat:
    """One ``stat`` of ``path``. Raises FileNotFoundError, or IsADirectoryError if not a file."""
    st = os.stat(path)
    if not stat_module.S_ISREG(st.st_mode):
        raise IsADirectoryError(f"not a regular file: {os.fspath(path)!r}")
    return FileStat.from_os(st)


class OpenFile:
    """An open descriptor shared by the responses reading one file version."""

    __slots__ = ("fd", "path", "refs", "retired", "stat")

    def __init__(self, fd: int, path: str, stat: FileStat) -> None:
        self.fd = fd
        self.path = path
        self.stat = stat
        self.refs = 0
        self.retired = False


class FdCache:
    """LRU of open read-only descriptors, keyed by path and validated by :class:`FileStat`.

    Not thread-safe: use it from the event loop thread only (readers in worker threads hold a
    reference taken on the loop).
    """

    def __init__(self, max_open: int = 128) -> None:
        self.max_open = max_open
        self._entries: OrderedDict[str, OpenFile] = OrderedDict()
        self.opened = 0  #: descriptors opened so far (for tests and benchmarks)

    def __len__(self) -> int:
        return len(self._entries)

    def acquire(self, path: str, stat: FileStat) -> OpenFile:
        """An open descriptor for ``path`` as ``stat`` describes it; release it when done.

        Raises :class:`FileChangedError` when the file that opens is not the one ``stat``
        describes (it changed in between), and OSError when it cannot be opened.
        """
        entry = self._entries.get(path)
        if entry is not None:
            if entry.stat == stat:
                self._entries.move_to_end(path)
                entry.refs += 1
                return entry
            self._retire(self._entries.pop(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            actual = FileStat.from_os(os.fstat(fd))
        except OSError:
            os.close(fd)
            raise
        if actual != stat:
            os.close(fd)
            raise FileChangedError(f"file changed while opening: {path!r}")
        self.opened += 1
        entry = OpenFile(fd, path, stat)
        entry.refs = 1
        self._entries[path] = entry
        while len(self._entries) > self.max_open:
            _, oldest = self._entries.popitem(last=False)
            self._retire(oldest)
        return entry

    def release(self, entry: OpenFile) -> None:
        """Give back a descriptor from :meth:`acquire`."""
        entry.refs -= 1
        if entry.retired and entry.refs <= 0:
            self._close(entry)

    def invalidate(self, path: str | os.PathLike[str] | None = None, *, prefix: bool = False) -> int:
        """Drop the entry for ``path``, every entry under it (``prefix=True``), or all (None).

        Returns how many entries were dropped; descriptors in use close when released.
        """
        if path is None:
            victims = list(self._entries)
        else:
            key = os.fspath(path)
            if prefix:
                base = key.rstrip(os.sep) + os.sep
                victims = [p for p in self._entries if p == key or p.startswith(base)]
            else:
                victims = [key] if key in self._entries else []
        for p in victims:
            self._retire(self._entries.pop(p))
        return len(victims)

    def close(self) -> None:
        """Drop every entry (at shutdown)."""
        self.invalidate()

    def _retire(self, entry: OpenFile) -> None:
        entry.retired = True
        if entry.refs <= 0:
            self._close(entry)

    @staticmethod
    def _close(entry: OpenFile) -> None:
        if entry.fd >= 0:
            fd, entry.fd = entry.fd, -1
            os.close(fd)


#: The process-wide cache used when a caller does not pass its own.
default_cache = FdCache()


def invalidate(path: str | os.PathLike[str] | None = None, *, prefix: bool = False) -> int:
    """:meth:`FdCache.invalidate` on :data:`default_cache`."""
    return default_cache.invalidate(path, prefix=prefix)
