"""Reading changed files with the scanner plugins, on every core, in batches."""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path

from sonantica_core.contract import FileStat, ScanError, ScannedFile, Scanner, ScanProblem

log = logging.getLogger("sonantica.scan")

_scanners: Sequence[Scanner] = ()
_roots: dict[str, Path] = {}


def _init(scanners: Sequence[Scanner], roots: dict[str, Path]) -> None:
    global _scanners, _roots
    _scanners, _roots = scanners, roots


def read_one(stat: FileStat, scanners: Sequence[Scanner], roots: dict[str, Path]) -> ScannedFile | ScanProblem:
    """Read one file with the first scanner that accepts it; never raises."""
    root_path = roots[stat.root]
    path = root_path / stat.relative_path
    for scanner in scanners:
        try:
            if not scanner.accepts(path):
                continue
            return scanner.read(stat.root, root_path, stat.relative_path)
        except ScanError as exc:
            return ScanProblem(stat.root, stat.relative_path, exc.reason, exc.kind)
        except Exception as exc:  # a scanner bug must not stop the scan
            log.debug("scanner %s failed on %s:\n%s", scanner.name, path, traceback.format_exc())
            return ScanProblem(
                stat.root, stat.relative_path, f"scanner {scanner.name!r} failed: {type(exc).__name__}: {exc}", "other"
            )
    return ScanProblem(stat.root, stat.relative_path, "no scanner reads this kind of file", "unsupported")


def _read_batch(stats: Sequence[FileStat]) -> list[ScannedFile | ScanProblem]:
    return [read_one(stat, _scanners, _roots) for stat in stats]


def read_files(
    stats: Sequence[FileStat],
    scanners: Sequence[Scanner],
    roots: dict[str, Path],
    *,
    processes: int | None = None,
    batch_size: int = 64,
) -> Iterator[list[ScannedFile | ScanProblem]]:
    """Yield batches of results as they are read, using a process per core.

    Small jobs are read in this process (starting processes costs more).
    """
    processes = processes or os.cpu_count() or 1
    if processes <= 1 or len(stats) < batch_size * 2:
        for start in range(0, len(stats), batch_size):
            yield [read_one(stat, scanners, roots) for stat in stats[start : start + batch_size]]
        return
    with ProcessPoolExecutor(max_workers=processes, initializer=_init, initargs=(list(scanners), roots)) as pool:
        futures: list[Future[list[ScannedFile | ScanProblem]]] = [
            pool.submit(_read_batch, stats[start : start + batch_size]) for start in range(0, len(stats), batch_size)
        ]
        for future in as_completed(futures):
            yield future.result()
