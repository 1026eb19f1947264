"""One running transcode: its worker thread, the ``.part`` file it grows, and who reads it.

The encoder thread appends to the part file; readers (HTTP responses on the event loop) read
what is written and wait for more. **Backpressure:** the thread pauses when it is more than
:data:`LEAD_BYTES` ahead of its furthest reader, so a transcode runs about as fast as it is
listened to once the lead is full. Encoder threads run at a lower priority (:data:`NICE`), so
on a busy machine the event loop still answers seeks and originals first. **Stopping:** when
the last reader leaves, the job is cancelled after :data:`GRACE_SECONDS` (a player's next
request for the same output joins it instead) and the thread sees the cancel before its next
packet; the part file is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from .encoder import Cancelled, EncodeResult, Sink, encode
from .errors import TranscodeError
from .plan import Plan

__all__ = ["GRACE_SECONDS", "LEAD_BYTES", "NICE", "Job", "Reader", "lower_priority"]

log = logging.getLogger("sonantica.transcode")

#: How far (bytes) the encoder may run ahead of its furthest reader.
LEAD_BYTES = 4 * 1024 * 1024
#: How long a job without readers lives on (a player's seek is a new request).
GRACE_SECONDS = 0.4
#: The encoder hands bytes to readers in blocks of at least this (or when a packet ends a page).
_FLUSH_BYTES = 8 * 1024


#: The nice value of encoder threads: the event loop's thread (seeks, originals) comes first.
NICE = 10


def lower_priority() -> None:
    """Lower this thread's scheduling priority to :data:`NICE` (Linux: per thread; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(NICE, os.getpriority(os.PRIO_PROCESS, tid)))


class Reader:
    """One response reading a job: its own descriptor of the part file and where it got to."""

    def __init__(self, job: Job, fd: int) -> None:
        self.job, self.fd, self.position = job, fd, 0

    def advanced(self, position: int) -> None:
        """The response has sent the bytes before ``position``."""
        self.position = position
        self.job._advanced(position)

    def close(self) -> None:
        self.job._detach(self)


class Job:
    """A transcode of ``source`` as ``plan`` into ``part`` (renamed to ``final`` when done)."""

    def __init__(
        self,
        key: str,
        source: str,
        plan: Plan,
        part: Path,
        final: Path,
        owner: int,
        loop: asyncio.AbstractEventLoop,
        on_done: Callable[[Job], None],
        on_cached: Callable[[], None] = lambda: None,
    ) -> None:
        self.key, self.source, self.plan, self.part, self.final, self.owner = key, source, plan, part, final, owner
        self.loop = loop
        self.written = 0
        self.done = False
        self.error: str | None = None
        self.result: EncodeResult | None = None
        self.cancelled = threading.Event()
        self.readers: set[Reader] = set()
        self._furthest = 0
        self._cond = threading.Condition()
        self._changed = asyncio.Event()
        self._on_done = on_done
        self._on_cached = on_cached
        part.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        self._pending = bytearray()
        self.thread = threading.Thread(target=self._run, name=f"transcode-{key[:8]}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    # the encoder thread -------------------------------------------------------------------

    def _run(self) -> None:
        lower_priority()
        try:
            self.result = encode(self.source, self.plan, Sink(self._write), self.cancelled)
            self._flush()
        except Cancelled:
            pass
        except TranscodeError as exc:
            self._flush_quietly()
            self.error = str(exc)
        except Exception as exc:
            log.exception("transcode of %r failed", self.source)
            self._flush_quietly()
            self.error = f"the transcode failed ({type(exc).__name__})"
        finally:
            os.close(self._fd)
            self._settle()
            with contextlib.suppress(RuntimeError):  # the loop is gone (shutdown): nobody to tell
                self.loop.call_soon_threadsafe(self._finish)

    def _settle(self) -> None:
        """Keep the output (renamed into the cache) when whole, else remove it."""
        try:
            if self.result is not None and self.error is None and not self.cancelled.is_set():
                os.replace(self.part, self.final)
                self._on_cached()
            else:
                self.part.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("transcode cache: %s", exc)

    def _write(self, data: bytes) -> None:
        self._pending += data
        if len(self._pending) >= _FLUSH_BYTES or self.written == 0:
            self._flush()
        with self._cond:
            while self.written - self._furthest > LEAD_BYTES and not self.cancelled.is_set():
                self._cond.wait(0.1)
        if self.cancelled.is_set():
            raise Cancelled("stopped")

    def _flush(self) -> None:
        if not self._pending:
            return
        data = bytes(self._pending)
        self._pending.clear()
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        self.written += len(data)
        try:
            self.loop.call_soon_threadsafe(self._changed.set)
        except RuntimeError:  # the loop is gone: stop
            self.cancelled.set()

    def _flush_quietly(self) -> None:
        with contextlib.suppress(OSError):
            self._flush()

    # the event loop -----------------------------------------------------------------------

    def _finish(self) -> None:
        self.done = True
        self._changed.set()
        self._on_done(self)

    def attach(self) -> Reader:
        """A new reader from the first byte (its own descriptor, valid after the rename)."""
        try:
            fd = os.open(self.part, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:  # renamed into the cache a moment ago: the same bytes
            fd = os.open(self.final, os.O_RDONLY | os.O_CLOEXEC)
        reader = Reader(self, fd)
        self.readers.add(reader)
        return reader

    async def wait_beyond(self, position: int) -> None:
        """Until more than ``position`` bytes are written, or the job is done."""
        while self.written <= position and not self.done:
            self._changed.clear()
            if self.written > position or self.done:
                return
            await self._changed.wait()

    def _advanced(self, position: int) -> None:
        if position > self._furthest:
            with self._cond:
                self._furthest = position
                self._cond.notify_all()

    def _detach(self, reader: Reader) -> None:
        if reader in self.readers:
            self.readers.discard(reader)
            os.close(reader.fd)
        if not self.readers and not self.done:
            self.loop.call_later(GRACE_SECONDS, self._cancel_if_unread)

    def _cancel_if_unread(self) -> None:
        if not self.readers and not self.done:
            self.cancel()

    def cancel(self) -> None:
        """Stop the encoder (it exits before its next packet)."""
        with self._cond:
            self.cancelled.set()
            self._cond.notify_all()
