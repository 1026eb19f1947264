"""Walking a media root: every candidate audio file with its size and mtime.

Hidden files and folders (starting with '.') are skipped. Symbolic links are
followed when they stay inside the root (or anywhere, with
``FOLLOW_EXTERNAL_SYMLINKS``); a link that loops, dangles or leaves the root is
reported as a problem, never followed.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sonantica_core.contract import FileStat, ScanProblem
from sonantica_core.settings import MediaRoot


@dataclass
class WalkResult:
    files: list[FileStat] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def walk_root(root: MediaRoot, accepts: Callable[[str], bool], *, follow_external_symlinks: bool = False) -> WalkResult:
    """List the files under ``root`` that ``accepts`` (by name) wants read."""
    result = WalkResult()
    root_real = os.path.realpath(root.path)
    seen_dirs: set[tuple[int, int]] = set()
    stack: list[tuple[str, str]] = [(str(root.path), "")]

    def problem(relative: str, reason: str, kind: str) -> None:
        result.problems.append(ScanProblem(root.name, relative, reason, kind))  # type: ignore[arg-type]

    while stack:
        directory, prefix = stack.pop()
        try:
            info = os.stat(directory)
        except OSError as exc:
            problem(prefix or ".", f"cannot open folder: {exc.strerror}", "unreadable")
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in seen_dirs:
            problem(prefix, "folder link loops back to a folder already scanned", "loop")
            continue
        seen_dirs.add(identity)
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            problem(prefix or ".", f"cannot list folder: {exc.strerror}", "unreadable")
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            relative = f"{prefix}/{name}" if prefix else name
            try:
                is_link = entry.is_symlink()
                if is_link:
                    target = os.path.realpath(entry.path)
                    if not follow_external_symlinks and not _inside(target, root_real):
                        problem(relative, "symbolic link points outside the media folder", "unreadable")
                        continue
                st = entry.stat(follow_symlinks=True)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    problem(relative, "symbolic link loop", "loop")
                elif exc.errno == errno.ENOENT:
                    problem(relative, "symbolic link points to nothing", "unreadable")
                else:
                    problem(relative, f"cannot read: {exc.strerror}", "unreadable")
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append((entry.path, relative))
            elif stat.S_ISREG(st.st_mode) and accepts(name):
                result.files.append(FileStat(root.name, relative, st.st_size, st.st_mtime_ns))
    return result


def absolute_path(root: MediaRoot, relative: str) -> Path:
    return root.path / relative
