"""One server per data directory, enforced with an advisory file lock.

The lock dies with its process (even on SIGKILL), so a crash never leaves a
stale lock behind; the file also records the holder's pid for the message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sonantica_core.errors import DataDirLocked

LOCK_NAME = "sonantica.lock"


class DataDirLock:
    """An exclusive lock on ``DATA_DIR/sonantica.lock`` held for the server's life."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`DataDirLocked` naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise DataDirLocked(
                f"another Sonántica server (pid {holder}) is using the data directory {self.path.parent}; "
                "stop it first or choose another DATA_DIR"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.set_inheritable(fd, False)
        self._fd = fd

    def release(self) -> None:
        """Give the lock back (also happens when the process ends)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
