"""Reading changed files with the scanner plugins, on every core, in batches.

Each file is read, its cover stored and its rows prepared (:mod:`.records`) in the
worker process; only compact records come back to the scan.
"""

from __future__ import annotations

import gc
import logging
import os
import traceback
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice
from pathlib import Path
from queue import SimpleQueue

from sonantica_core.contract import FileStat, ScanError, ScannedFile, Scanner, ScanProblem
from sonantica_core.scanning.records import CoverStore, TrackRecord, make_record

log = logging.getLogger("sonantica.scan")

Result = TrackRecord | ScanProblem

_scanners: Sequence[Scanner] = ()
_roots: dict[str, Path] = {}
_covers = CoverStore(None)
_accepted = False


def _init(scanners: Sequence[Scanner], roots: dict[str, Path], storage: object, accepted: bool) -> None:
    """Set up a worker process: what it reads with; the objects it inherited are left out of the
    garbage collector's rounds (they stay alive anyway)."""
    global _scanners, _roots, _covers, _accepted
    _scanners, _roots, _covers, _accepted = scanners, roots, CoverStore(storage), accepted
    gc.freeze()


def read_one(stat: FileStat, scanners: Sequence[Scanner], roots: dict[str, Path]) -> ScannedFile | ScanProblem:
    """Read one file with the first scanner that accepts it; never raises."""
    return _read(stat.root, stat.relative_path, scanners, roots)


def _read(
    root: str, relative_path: str, scanners: Sequence[Scanner], roots: dict[str, Path], accepted: bool = False
) -> ScannedFile | ScanProblem:
    """:func:`read_one`; ``accepted``: a scanner accepted the name already (the walk asked them), so a
    single scanner need not be asked again."""
    root_path = roots[root]
    for scanner in scanners:
        try:
            if not (accepted and len(scanners) == 1) and not scanner.accepts(root_path / relative_path):
                continue
            return scanner.read(root, root_path, relative_path)
        except ScanError as exc:
            return ScanProblem(root, relative_path, exc.reason, exc.kind)
        except Exception as exc:  # a scanner bug must not stop the scan
            log.debug("scanner %s failed on %s/%s:\n%s", scanner.name, root, relative_path, traceback.format_exc())
            return ScanProblem(
                root, relative_path, f"scanner {scanner.name!r} failed: {type(exc).__name__}: {exc}", "other"
            )
    return ScanProblem(root, relative_path, "no scanner reads this kind of file", "unsupported")


def read_record(
    stat: FileStat, scanners: Sequence[Scanner], roots: dict[str, Path], covers: CoverStore, accepted: bool = False
) -> Result:
    """Read one file into a :class:`TrackRecord` (its cover stored), or a problem; never raises."""
    return _record(stat.root, stat.relative_path, scanners, roots, covers, accepted)


def _record(
    root: str, relative_path: str, scanners: Sequence[Scanner], roots: dict[str, Path], covers: CoverStore,
    accepted: bool,
) -> Result:
    scanned = _read(root, relative_path, scanners, roots, accepted)
    if isinstance(scanned, ScanProblem):
        return scanned
    try:
        return make_record(scanned, covers.store(scanned))
    except Exception as exc:  # a bug here must not stop the scan either
        log.exception("preparing %s/%s failed", root, relative_path)
        return ScanProblem(root, relative_path, f"internal error: {type(exc).__name__}: {exc}", "other")


def _read_batch(paths: Sequence[tuple[str, str]]) -> list[Result]:
    """Read (root, relative path) pairs: plain tuples cost the least to send to a worker."""
    return [_record(root, relative_path, _scanners, _roots, _covers, _accepted) for root, relative_path in paths]


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, as a container's cpuset sets it), else all."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _chunks(items: Iterable[FileStat], size: int) -> Iterator[list[FileStat]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def read_files(
    stats: Iterable[FileStat],
    scanners: Sequence[Scanner],
    roots: dict[str, Path],
    *,
    storage: object = None,
    processes: int | None = None,
    batch_size: int = 64,
    accepted: bool = False,
) -> Iterator[list[Result]]:
    """Yield batches of records as they are read, using a process per core; covers go to ``storage``.

    ``accepted``: every file's name was accepted by a scanner already (the walk asks them).

    ``stats`` may be a generator (a walk in progress): its files go to the worker
    processes as they come, and results are yielded as soon as they are ready. Small
    jobs are read in this process (starting processes costs more). For big ones, this
    process first reads one file of each kind, so that the worker processes it forks
    start with the format readers loaded.
    """
    processes = processes or usable_cpus()
    covers = CoverStore(storage)
    iterator = iter(stats)
    head = list(islice(iterator, batch_size * 2))
    if processes <= 1 or len(head) < batch_size * 2:
        for chunk in _chunks(chain(head, iterator), batch_size):
            yield [read_record(stat, scanners, roots, covers, accepted) for stat in chunk]
        return
    firsts: dict[str, FileStat] = {}
    for stat in head:
        firsts.setdefault(os.path.splitext(stat.relative_path)[1].lower(), stat)
    warm = set(map(id, firsts.values()))
    yield [read_record(stat, scanners, roots, covers, accepted) for stat in firsts.values()]
    ready: SimpleQueue[Future[list[Result]]] = SimpleQueue()
    pool = ProcessPoolExecutor(
        max_workers=processes, initializer=_init, initargs=(list(scanners), roots, storage, accepted)
    )
    try:
        waiting = 0
        for chunk in _chunks(chain((s for s in head if id(s) not in warm), iterator), batch_size):
            pairs = [(stat.root, stat.relative_path) for stat in chunk]
            pool.submit(_read_batch, pairs).add_done_callback(ready.put)
            waiting += 1
            while not ready.empty():
                waiting -= 1
                yield ready.get().result()
        for _ in range(waiting):
            yield ready.get().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
