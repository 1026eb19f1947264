"""The walk and the reading of a scan, in a thread of their own, feeding the event loop.

The thread walks the media roots and compares each file with what the database
knows as it goes; a file to read goes to the worker processes at once, so reading
starts with the walk instead of after it. Results reach the event loop in batches
of at least ``batch_size``, larger when the writer falls behind (fewer, bigger
transactions); :attr:`Pipeline.walked` resolves when the walk is complete.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sonantica_core.contract import FileStat, Scanner, ScanProblem
from sonantica_core.scanning.ingest import KnownTrack
from sonantica_core.scanning.reading import Result, read_files
from sonantica_core.scanning.walk import iter_root
from sonantica_core.settings import MediaRoot

#: Most results handed over (and so written in one transaction) at once.
MAX_BATCH = 4096
#: Files per task of a worker process (with fewer than two tasks' worth, this process reads). Larger
#: tasks and write batches mean fewer wake-ups of this process and of the database on a busy machine.
READ_BATCH = 128


@dataclass
class Walked:
    """What the walk found."""

    files: list[FileStat] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)
    #: Files sent to be read, with their size and mtime (``UNKNOWN`` for new paths, see
    #: :func:`~sonantica_core.scanning.walk.iter_root`).
    to_read: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


def name_check(scanner: Scanner) -> Callable[[str], bool]:
    """``scanner.accepts`` for a file name: its ``accepts_name`` (no Path built) where the class
    that defines ``accepts`` defines that too (a subclass overriding ``accepts`` alone is asked as such)."""
    owner = next((cls for cls in type(scanner).__mro__ if "accepts" in vars(cls)), None)
    if owner is not None and callable(vars(owner).get("accepts_name")):
        return scanner.accepts_name  # type: ignore[attr-defined, no-any-return]
    return lambda name: scanner.accepts(Path(name))


class Pipeline:
    """Walks ``roots`` and reads what changed since ``known`` (and ``problem_stats``) on every core."""

    def __init__(
        self,
        roots: Sequence[MediaRoot],
        scanners: Sequence[Scanner],
        *,
        known: dict[tuple[str, str], KnownTrack],
        problem_stats: dict[tuple[str, str], tuple[int | None, int | None]],
        follow_external_symlinks: bool,
        storage: object,
        processes: int | None,
    ) -> None:
        self.roots = list(roots)
        self.scanners = list(scanners)
        self.known = known
        self.problem_stats = problem_stats
        self.follow_external_symlinks = follow_external_symlinks
        self.storage = storage
        self.processes = processes
        self.found = Walked()
        self._loop = asyncio.get_running_loop()
        self.walked: asyncio.Future[Walked] = self._loop.create_future()
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=64)
        self._stop = threading.Event()
        self._done = object()
        self._thread = threading.Thread(target=self._produce, name="sonantica-scan-reader", daemon=True)
        self._name_checks = [name_check(scanner) for scanner in self.scanners]

    def start(self) -> None:
        self._thread.start()

    def _accepts(self, name: str) -> bool:
        """Whether a scanner takes the file ``name`` (asked for every file of the walk)."""
        return any(accepts(name) for accepts in self._name_checks)

    def _to_read(self) -> Iterator[FileStat]:
        """Walk every root; yield the files that are new or changed, as they are found."""
        found, known, problem_stats = self.found, self.known, self.problem_stats
        accepts = self._name_checks[0] if len(self._name_checks) == 1 else self._accepts
        for root in self.roots:
            name = root.name

            def needs_stat(relative: str, name: str = name) -> bool:
                """Only what the database knows is compared: a new path is read anyway."""
                return (name, relative) in known or (name, relative) in problem_stats

            walk = iter_root(
                root, accepts, follow_external_symlinks=self.follow_external_symlinks, needs_stat=needs_stat
            )
            for item in walk:
                if isinstance(item, ScanProblem):
                    found.problems.append(item)
                    continue
                found.files.append(item)
                key = (item.root, item.relative_path)
                track = known.get(key)
                if track is not None and track.size == item.size and track.mtime_ns == item.mtime_ns:
                    continue
                if track is None and problem_stats.get(key) == (item.size, item.mtime_ns):
                    continue  # a bad file that has not changed: keep its recorded problem
                found.to_read[key] = (item.size, item.mtime_ns)
                yield item
        self._resolve(lambda: self.walked.set_result(found))

    def _resolve(self, action: Callable[[], None]) -> None:
        def run() -> None:
            if not self.walked.done():
                action()

        self._loop.call_soon_threadsafe(run)

    def _put(self, item: object) -> None:
        asyncio.run_coroutine_threadsafe(self._queue.put(item), self._loop).result()

    def _produce(self) -> None:
        try:
            for batch in read_files(
                self._to_read(), self.scanners, {r.name: r.path for r in self.roots},
                storage=self.storage, processes=self.processes, batch_size=READ_BATCH, accepted=True,
            ):
                if self._stop.is_set():
                    return
                self._put(batch)
        except BaseException as exc:  # surfaced in the event loop
            error = exc
            self._resolve(lambda: self.walked.set_exception(error))
            self._put(error)
        finally:
            self._put(self._done)

    async def batches(self, batch_size: int) -> AsyncIterator[list[Result]]:
        """The results, in batches of at least ``batch_size`` (the last one may be smaller)."""
        queue, pending, finished = self._queue, [], False
        while not finished:
            item = await queue.get()
            while True:
                if item is self._done:
                    finished = True
                    break
                if isinstance(item, BaseException):
                    raise item
                pending.extend(item)  # type: ignore[arg-type]
                if len(pending) >= MAX_BATCH or queue.empty():
                    break
                item = queue.get_nowait()
            if len(pending) >= batch_size or (finished and pending):
                yield pending
                pending = []

    async def close(self) -> None:
        """Stop reading (if still going) and wait for the thread."""
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get_nowait()
            except asyncio.QueueEmpty:
                await asyncio.sleep(0.01)
        if self.walked.done() and not self.walked.cancelled():
            self.walked.exception()  # retrieved: no "never retrieved" warning when the scan failed first
