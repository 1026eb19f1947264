"""The mutagen-based :class:`~sonantica_core.contract.Scanner`.

``MutagenScanner().read(root, root_path, relative_path)`` opens the file once,
recognises its format from the content, reads stream info and tags with
mutagen, walks the container to find the audio payload (and truncation), hashes
the audio, picks a cover and returns a :class:`ScannedFile`; or raises
:class:`ScanError` with a reason and a kind. It never raises anything else.
"""

from __future__ import annotations

import dataclasses
import errno
import io
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import IO

from sonantica_core.contract import ScanError, ScannedFile, Scanner, TagInfo
from sonantica_scanner.binary import BytesView, FileView
from sonantica_scanner.covers import DEFAULT_FOLDER_EXTENSIONS, DEFAULT_FOLDER_NAMES, CoverFinder
from sonantica_scanner.formats import BY_EXTENSION, DEFAULT_EXTENSIONS, sniff
from sonantica_scanner.guess import guess_from_path
from sonantica_scanner.identity import DEFAULT_SAMPLE_BYTES, audio_hash
from sonantica_scanner.layout import find_layout
from sonantica_scanner.loading import collect_tags, open_mutagen
from sonantica_scanner.tags import normalise
from sonantica_scanner.technical import technical_info
from sonantica_scanner.values import DEFAULT_SEPARATORS, Splitter

log = logging.getLogger(__name__)

#: Files up to this size are read into memory in one call (fewer system calls).
WHOLE_FILE_LIMIT = 512 * 1024

_OS_ERRORS: dict[int, tuple[str, str]] = {
    errno.ELOOP: ("symbolic link loop", "loop"),
    errno.EACCES: ("permission denied", "unreadable"),
    errno.EPERM: ("operation not permitted", "unreadable"),
    errno.ENOENT: ("file not found (removed during the scan, or a broken symbolic link)", "unreadable"),
    errno.EISDIR: ("is a directory", "unsupported"),
    errno.EIO: ("I/O error", "unreadable"),
    errno.ENAMETOOLONG: ("file name too long", "unreadable"),
}


#: Audio containers recognised but not readable by mutagen.
_UNREADABLE_MAGIC = {b"RF64": "RF64 (64-bit WAV)", b"BW64": "BW64 (64-bit WAV)", b"riff": "Wave64",
                     b"caff": "Core Audio (CAF)", b".snd": "Sun AU", b"\x1aE\xdf\xa3": "Matroska (MKA)"}


_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read_whole(fd: int, expected: int) -> bytes:
    """The whole file behind ``fd`` (``expected`` bytes, unless it changed), at most ``WHOLE_FILE_LIMIT + 1``."""
    data = os.read(fd, expected + 1)
    if len(data) == expected:
        return data  # all of it, as fstat said
    while len(data) <= WHOLE_FILE_LIMIT:  # a short read, or a file that grew: to the end, within the limit
        more = os.read(fd, WHOLE_FILE_LIMIT + 1 - len(data))
        if not more:
            break
        data += more
    return data


def scan_error_from_os(error: OSError) -> ScanError:
    """A ScanError for an operating-system error on opening or reading a file."""
    reason, kind = _OS_ERRORS.get(error.errno or 0, (error.strerror or str(error), "unreadable"))
    return ScanError(reason, kind)  # type: ignore[arg-type]


def _relative(relative_path: str) -> str:
    if relative_path[:1] not in ("", "/") and "\x00" not in relative_path and "//" not in relative_path \
            and relative_path[-1] != "/":
        parts = relative_path.split("/")
        if ".." not in parts and "." not in parts:
            return relative_path  # already what PurePosixPath would give (the common case, without its cost)
    path = PurePosixPath(relative_path)
    if not relative_path or path.is_absolute() or ".." in path.parts or "\x00" in relative_path:
        raise ScanError("path is not inside the media root", "other")
    return path.as_posix()


class MutagenScanner(Scanner):
    """Reads every format mutagen knows. See the package README for what it reports.

    Args:
        extensions: file extensions :meth:`accepts` takes (lower case, no dot).
        separators: besides NUL, what splits one artist/genre/composer string into
            several ("A; B", "A / B"). See :mod:`sonantica_scanner.tags`.
        hash_sample_bytes: bytes hashed at each of three points of a large payload.
        folder_cover_names: stems of folder images, by preference.
        read_covers: set False to skip cover lookup (faster; ``cover`` is then None).
        guess_from_paths: fill title/artist/album of untagged files from their path.
    """

    name = "scanner"

    def __init__(self, *, extensions: Iterable[str] = DEFAULT_EXTENSIONS,
                 separators: Iterable[str] = DEFAULT_SEPARATORS, hash_sample_bytes: int = DEFAULT_SAMPLE_BYTES,
                 folder_cover_names: Iterable[str] = DEFAULT_FOLDER_NAMES, read_covers: bool = True,
                 guess_from_paths: bool = True) -> None:
        if hash_sample_bytes < 4096:
            raise ValueError("hash_sample_bytes must be at least 4096")
        self.extensions = frozenset(e.lower().lstrip(".") for e in extensions)
        self.splitter = Splitter(tuple(separators))
        self.hash_sample_bytes = hash_sample_bytes
        self.read_covers = read_covers
        self.guess_from_paths = guess_from_paths
        self.covers = CoverFinder(tuple(folder_cover_names), DEFAULT_FOLDER_EXTENSIONS)

    def accepts(self, path: Path) -> bool:
        """True for a known audio extension; False for macOS "._" resource-fork files."""
        return self.accepts_name(path.name)

    def accepts_name(self, name: str) -> bool:
        """:meth:`accepts` for a bare file name: the walk asks for every file, without building a Path."""
        if name.startswith("._"):
            return False
        dot = name.rfind(".")
        return dot > 0 and name[dot + 1:].lower() in self.extensions

    def read(self, root: str, root_path: Path, relative_path: str) -> ScannedFile:
        """Read ``relative_path`` under ``root_path``; raise :class:`ScanError` for a bad file."""
        rel = _relative(relative_path)
        full = os.path.join(root_path, rel)
        try:
            fd = os.open(full, _OPEN_FLAGS)
        except OSError as exc:
            raise scan_error_from_os(exc) from None
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise ScanError("is a directory", "unsupported")
            if not stat.S_ISREG(st.st_mode):
                raise ScanError("not a regular file (a pipe, device or socket)", "unsupported")
            if st.st_size == 0:
                raise ScanError("zero-byte file", "empty")
            root_path = root_path if isinstance(root_path, Path) else Path(root_path)
            if st.st_size <= WHOLE_FILE_LIMIT:
                data = _read_whole(fd, st.st_size)
                if not data:
                    raise ScanError("zero-byte file", "empty")
                return self._read_open(root, root_path, rel, full, io.BytesIO(data), BytesView(data), st.st_mtime_ns)
            with open(fd, "rb", closefd=False) as handle:
                view = FileView(handle, st.st_size)
                return self._read_open(root, root_path, rel, full, handle, view, st.st_mtime_ns)
        except ScanError:
            raise
        except OSError as exc:
            raise scan_error_from_os(exc) from None
        except Exception as exc:  # a bug here must not stop the scan; it is logged with its traceback
            log.exception("internal error reading %s/%s", root, rel)
            raise ScanError(f"internal error while reading: {type(exc).__name__}: {exc}", "other") from None
        finally:
            os.close(fd)

    def _read_open(self, root: str, root_path: Path, rel: str, full: str, fileobj: IO[bytes], view: FileView,
                   mtime_ns: int) -> ScannedFile:
        size = view.size
        head = view.read_at(0, 4096)
        sniffed = sniff(fileobj, head, size)
        ext = os.path.splitext(rel)[1].lower().lstrip(".")
        if sniffed.format is None and head[:4] in _UNREADABLE_MAGIC:
            raise ScanError(f"{_UNREADABLE_MAGIC[head[:4]]} files are not supported (mutagen cannot read them)",
                            "unsupported")
        fmt = sniffed.format or BY_EXTENSION.get(ext)
        if fmt is None:
            raise ScanError(f"not a recognised audio format (starts with {head[:8]!r})", "unsupported")
        notes: dict[str, str] = {}
        if sniffed.format is not None and ext not in fmt.extensions:
            notes["wrong_extension"] = f"{fmt.extension} content in a .{ext} file"

        try:
            opened = open_mutagen(fmt, fileobj, sniffed.content_offset)
        except ScanError as error:
            raise _better_reason(error, fmt.key, sniffed.format is not None, view, sniffed.content_offset,
                                 fmt.label) from None
        layout = find_layout(fmt.key, view, sniffed.content_offset, opened.info)
        wvc = fmt.key == "wavpack" and bool(layout.facts.get("hybrid")) and _has_correction_file(full)
        technical = technical_info(fmt.key, opened.info, layout, wvc=wvc)
        raw = collect_tags(fmt, opened, fileobj, view, layout, sniffed.content_offset)
        if opened.problems:
            notes["tag_error"] = "; ".join(opened.problems)
        tags = normalise(raw, self.splitter, notes)
        if self.guess_from_paths:
            tags = _with_guesses(tags, rel)
        cover = self.covers.find(raw.pictures, root_path, rel) if self.read_covers else None
        digest = audio_hash(view, layout, self.hash_sample_bytes)
        return ScannedFile(root=root, relative_path=rel, size=size, mtime_ns=mtime_ns, audio_hash=digest,
                           technical=technical, tags=tags, cover=cover)


def _better_reason(error: ScanError, key: str, recognised: bool, view: FileView, content_offset: int,
                   label: str) -> ScanError:
    """Improve mutagen's reason: a truncation the container walk can name, or unrecognised content."""
    if not recognised:
        return ScanError(f"not a valid {label} file: the content is not recognised as audio", "corrupt")
    if error.kind != "corrupt":
        return error
    try:
        find_layout(key, view, content_offset, None)
    except ScanError as walk_error:
        if walk_error.reason.startswith("truncated"):
            return walk_error
    except Exception:  # the walker is only consulted for a better message
        return error
    return error


def _has_correction_file(full: str) -> bool:
    base = os.path.splitext(full)[0]
    return any(os.path.exists(base + ext) for ext in (".wvc", ".WVC"))


def _with_guesses(tags: TagInfo, rel: str) -> TagInfo:
    """Fill what the tags lack from the path: the title always; artist, album, numbers when neither
    artist nor album is tagged. Sets ``guessed`` when anything was filled."""
    no_title = tags.title is None
    untagged = tags.artist is None and tags.album is None
    if not (no_title or untagged):
        return tags
    guess = guess_from_path(rel)
    changes: dict[str, object] = {}
    if no_title and guess.title:
        changes["title"] = guess.title
    if untagged:
        if guess.artist:
            changes.update(artist=guess.artist, artists=(guess.artist,))
        if guess.album:
            changes["album"] = guess.album
        if tags.disc_number is None and guess.disc_number:
            changes["disc_number"] = guess.disc_number
        if tags.year is None and guess.year:
            changes["year"] = guess.year
    if (no_title or untagged) and tags.track_number is None and guess.track_number:
        changes["track_number"] = guess.track_number
    if not changes:
        return tags
    return dataclasses.replace(tags, guessed=True, **changes)  # type: ignore[arg-type]
