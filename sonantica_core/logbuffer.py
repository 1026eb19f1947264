"""A log handler that writes lines in batches (the access log's, like nginx's ``buffer=``/``flush=``).

One line per request would otherwise cost one ``write`` system call per request on the
server's hot path. Lines are kept in memory and written together by a background thread
when the buffer holds ``size`` bytes or its oldest line is ``interval`` seconds old, so the
event loop never waits for the disk; records of ``WARNING`` and above, and a flush or close
(``logging.shutdown`` at exit does both), write at once, in order. A crash loses at most
``interval`` seconds of lines.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TextIO

#: Buffered bytes, in multiples of ``size``, past which a line's writer writes them itself.
BEHIND = 4
#: The handler's own line format: ``2026-12-06T20:05:39 logger.name message``.
LINE_FORMAT = "%(asctime)s %(name)s %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


class BufferedLineHandler(logging.Handler):
    """Format records at once, write them to ``stream`` in batches.

    ``timestamped``: lines in :data:`LINE_FORMAT`; else the message alone (until another
    formatter is set)."""

    def __init__(
        self, stream: TextIO, size: int = 32 * 1024, interval: float = 1.0, *, timestamped: bool = False
    ) -> None:
        super().__init__()
        self.stream = stream
        self.size = size
        self.interval = interval
        self.timestamped = timestamped
        self._own_formatter = logging.Formatter(LINE_FORMAT, DATE_FORMAT) if timestamped else None
        self.setFormatter(self._own_formatter)
        self._lines: list[str] = []
        self._bytes = 0
        self._oldest = 0.0
        self._flusher_pid = 0
        self._stopped = threading.Event()
        self._stamp: tuple[int, str] = (-1, "")
        self._wake = threading.Event()
        #: Held while a batch is taken and written: batches reach the stream in order, and the
        #: threads that log never wait for a write (only for the short list swap under ``lock``).
        self._writing = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:
            self.handleError(record)
            return
        self._append(line, record.levelno >= logging.WARNING)

    def write_info(self, name: str, message: str) -> None:
        """Write what :meth:`emit` would for an INFO record of logger ``name`` with ``message``, without
        building the record (the access log's line, once per request): with the handler's own format
        only, else through :meth:`emit`."""
        if self.formatter is not self._own_formatter or self.filters or self.level > logging.INFO:
            record = {"name": name, "msg": message, "levelno": logging.INFO, "levelname": "INFO"}
            self.handle(logging.makeLogRecord(record))
            return
        if not self.timestamped:
            self._append(message + "\n", False)
            return
        now = int(time.time())
        if self._stamp[0] != now:
            self._stamp = (now, time.strftime(DATE_FORMAT, time.localtime(now)))
        self._append(f"{self._stamp[1]} {name} {message}\n", False)

    def _append(self, line: str, urgent: bool) -> None:
        with self.lock:  # type: ignore[union-attr]
            if not self._lines:
                self._oldest = time.monotonic()
            self._lines.append(line)
            self._bytes += len(line)
            full = self._bytes >= self.size
            behind = self._bytes >= self.size * BEHIND
        if urgent or behind:  # in order, at once; or the flusher cannot keep up: write here
            self.flush()
            return
        if self._flusher_pid != os.getpid():
            self._start_flusher()
        if full:
            self._wake.set()

    def flush(self) -> None:
        """Write what is buffered, in order with every other write."""
        with self._writing:
            with self.lock:  # type: ignore[union-attr]
                text, self._lines, self._bytes = "".join(self._lines), [], 0
            if text:
                try:
                    self.stream.write(text)
                    self.stream.flush()
                except (OSError, ValueError):
                    pass  # a closed or broken stream: the lines cannot go anywhere

    def close(self) -> None:
        self._stopped.set()
        self._wake.set()
        self.flush()
        super().close()

    def _start_flusher(self) -> None:
        """Start this process's background flusher (again after a fork)."""
        self._flusher_pid = os.getpid()
        self._writing = threading.Lock()  # a lock held across a fork is not ours to wait for
        threading.Thread(target=self._flush_periodically, name="log-flusher", daemon=True).start()

    def _flush_periodically(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.interval / 2)
            self._wake.clear()
            with self.lock:  # type: ignore[union-attr]
                due = bool(self._lines) and (
                    self._bytes >= self.size or time.monotonic() - self._oldest >= self.interval
                )
            if due:
                self.flush()
