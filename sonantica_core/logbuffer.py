"""A log handler that writes lines in batches (the access log's, like nginx's ``buffer=``/``flush=``).

One line per request would otherwise cost one ``write`` system call per request on the
server's hot path. Lines are kept in memory and written together when the buffer holds
``size`` bytes, when the oldest line is ``interval`` seconds old (a background thread
checks), on records of ``WARNING`` and above, and when the handler is flushed or closed
(``logging.shutdown`` at exit does both). A crash loses at most ``interval`` seconds of lines.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TextIO


class BufferedLineHandler(logging.Handler):
    """Format records at once, write them to ``stream`` in batches."""

    def __init__(self, stream: TextIO, size: int = 32 * 1024, interval: float = 1.0) -> None:
        super().__init__()
        self.stream = stream
        self.size = size
        self.interval = interval
        self._lines: list[str] = []
        self._bytes = 0
        self._oldest = 0.0
        self._flusher_pid = 0
        self._stopped = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:
            self.handleError(record)
            return
        with self.lock:  # type: ignore[union-attr]
            if not self._lines:
                self._oldest = time.monotonic()
            self._lines.append(line)
            self._bytes += len(line)
            due = self._bytes >= self.size or record.levelno >= logging.WARNING
            if due:
                self._write()
        if not due and self._flusher_pid != os.getpid():
            self._start_flusher()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._write()

    def close(self) -> None:
        self._stopped.set()
        self.flush()
        super().close()

    def _write(self) -> None:
        """Write what is buffered (the caller holds the lock)."""
        if not self._lines:
            return
        text, self._lines, self._bytes = "".join(self._lines), [], 0
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stream: the lines cannot go anywhere

    def _start_flusher(self) -> None:
        """Start this process's background flusher (again after a fork)."""
        self._flusher_pid = os.getpid()
        threading.Thread(target=self._flush_periodically, name="log-flusher", daemon=True).start()

    def _flush_periodically(self) -> None:
        while not self._stopped.wait(self.interval / 2):
            with self.lock:  # type: ignore[union-attr]
                if self._lines and time.monotonic() - self._oldest >= self.interval:
                    self._write()
