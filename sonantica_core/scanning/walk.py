"""Walking a media root: every candidate audio file with its size and mtime.

Hidden files and folders (starting with '.') are skipped. Symbolic links are
followed when they stay inside the root (or anywhere, with
``FOLLOW_EXTERNAL_SYMLINKS``); a link that loops, dangles or leaves the root is
reported as a problem, never followed.

:func:`iter_root` yields files as it finds them, so reading can start before the
walk ends; :func:`walk_root` collects them.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sonantica_core.contract import FileStat, ScanProblem
from sonantica_core.settings import MediaRoot

#: Size and mtime of a file the walk did not stat (see :func:`iter_root`).
UNKNOWN = -1


@dataclass
class WalkResult:
    files: list[FileStat] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def iter_root(
    root: MediaRoot,
    accepts: Callable[[str], bool],
    *,
    follow_external_symlinks: bool = False,
    needs_stat: Callable[[str], bool] | None = None,
) -> Iterator[FileStat | ScanProblem]:
    """The files under ``root`` that ``accepts`` (by name) wants read, and the problems met, as found.

    ``needs_stat(relative_path)``: whether a plain file's size and mtime are wanted (the
    database knows the path). When it says no, the file type comes from the folder
    listing, no system call is made, and size and mtime are :data:`UNKNOWN`.
    """
    root_real = os.path.realpath(root.path)
    seen_dirs: set[tuple[int, int]] = set()
    try:
        info = os.stat(root.path)
    except OSError as exc:
        yield ScanProblem(root.name, ".", f"cannot open folder: {exc.strerror}", "unreadable")
        return
    # Each folder comes with its (device, inode), from its entry in the parent's listing.
    stack: list[tuple[str, str, tuple[int, int]]] = [(str(root.path), "", (info.st_dev, info.st_ino))]
    name_of = root.name
    while stack:
        directory, prefix, identity = stack.pop()
        if identity in seen_dirs:
            yield ScanProblem(name_of, prefix, "folder link loops back to a folder already scanned", "loop")
            continue
        seen_dirs.add(identity)
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as exc:
            yield ScanProblem(name_of, prefix or ".", f"cannot list folder: {exc.strerror}", "unreadable")
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            relative = f"{prefix}/{name}" if prefix else name
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not follow_external_symlinks and not _inside(target, root_real):
                        reason = "symbolic link points outside the media folder"
                        yield ScanProblem(name_of, relative, reason, "unreadable")
                        continue
                elif needs_stat is not None and entry.is_file() and not needs_stat(relative):
                    if accepts(name):
                        yield FileStat(name_of, relative, UNKNOWN, UNKNOWN)
                    continue
                st = entry.stat()
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    yield ScanProblem(name_of, relative, "symbolic link loop", "loop")
                elif exc.errno == errno.ENOENT:
                    yield ScanProblem(name_of, relative, "symbolic link points to nothing", "unreadable")
                else:
                    yield ScanProblem(name_of, relative, f"cannot read: {exc.strerror}", "unreadable")
                continue
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                stack.append((entry.path, relative, (st.st_dev, st.st_ino)))
            elif stat.S_ISREG(mode) and accepts(name):
                yield FileStat(name_of, relative, st.st_size, st.st_mtime_ns)


def walk_root(root: MediaRoot, accepts: Callable[[str], bool], *, follow_external_symlinks: bool = False) -> WalkResult:
    """List the files under ``root`` that ``accepts`` (by name) wants read."""
    result = WalkResult()
    for item in iter_root(root, accepts, follow_external_symlinks=follow_external_symlinks):
        if isinstance(item, ScanProblem):
            result.problems.append(item)
        else:
            result.files.append(item)
    return result


def absolute_path(root: MediaRoot, relative: str) -> Path:
    return root.path / relative
