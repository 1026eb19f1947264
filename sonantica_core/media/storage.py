"""Media storage: turning (root name, relative path) into a file inside that root, safely.

Media roots are read-only: nothing here writes to them. A relative path is
refused (:class:`UnsafePathError`, with the reason) when it is empty or too long,
absolute, has ``.``/``..``/empty segments, backslashes, NUL or other control
characters, or would have any of these once percent-decoded (once, twice...) or
NFKC-normalised (fullwidth dots and slashes, one-dot leaders). The path is then
resolved with every symbolic link followed, and refused when it ends outside its
root, unless ``FOLLOW_EXTERNAL_SYMLINKS`` is on; a symbolic-link loop is refused too.

:func:`verified_stat` is the per-request check the stream route uses: it compares
the identity (device, inode) of the file the path names *now* with the one
validated earlier, and resolves again only when they differ.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from sonantica_core.errors import SonanticaError
from sonantica_core.settings import MediaRoot, Settings
from sonantica_core.streaming import FileStat, stat_file

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_DECODE_ROUNDS = 4


class MediaPathError(SonanticaError):
    """A media file cannot be served; ``message`` says why (safe to show a user)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsafePathError(MediaPathError):
    """The relative path is malformed or leaves its root."""


class UnknownRootError(MediaPathError):
    """The track's media root is not configured (any more)."""


class MediaMissingError(MediaPathError):
    """The file is not on disk (or not a regular file)."""


def _hazard(text: str) -> str | None:
    """Why ``text`` is not an acceptable relative path, looked at literally."""
    if text.startswith("/"):
        return "it is absolute"
    if "\\" in text:
        return "it contains a backslash"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return "it contains NUL or control characters"
    segments = text.split("/")
    for segment in segments:
        if segment == "..":
            return "it goes up a folder ('..')"
        if segment in ("", "."):
            return "it has empty or '.' segments"
    return None


def check_relative_path(relative_path: str) -> str:
    """Return ``relative_path`` if it is a safe path inside a root; else raise :class:`UnsafePathError`."""
    if not isinstance(relative_path, str) or not relative_path:
        raise UnsafePathError("the path is empty")
    try:
        encoded = os.fsencode(relative_path)
    except UnicodeError:
        raise UnsafePathError("the path cannot be encoded for the file system") from None
    if len(encoded) > MAX_PATH_BYTES:
        raise UnsafePathError(f"the path is longer than {MAX_PATH_BYTES} bytes")
    if any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
        raise UnsafePathError(f"a name in the path is longer than {MAX_NAME_BYTES} bytes")
    variants = [relative_path]
    decoded = relative_path
    for _ in range(_DECODE_ROUNDS):
        if not _ESCAPE.search(decoded):
            break
        decoded = unquote(decoded, errors="surrogateescape")
        variants.append(decoded)
    for variant in list(variants):
        variants.append(unicodedata.normalize("NFKC", variant))
    for index, variant in enumerate(variants):
        problem = _hazard(variant)
        if problem:
            how = "" if index == 0 else " once decoded or normalised"
            raise UnsafePathError(f"the path is refused: {problem}{how}")
    return relative_path


def _inside(path: str, root: str) -> bool:
    return path.startswith(root.rstrip(os.sep) + os.sep)


@dataclass(frozen=True, slots=True)
class ResolvedFile:
    """A media file that was checked: its real path and its identity at that moment."""

    path: str
    stat: FileStat


class MediaStorage:
    """The configured media roots, and safe resolution of paths inside them."""

    def __init__(self, roots: tuple[MediaRoot, ...], follow_external_symlinks: bool = False) -> None:
        self._roots = {root.name: root for root in roots}
        self._real = {root.name: os.path.realpath(root.path) for root in roots}
        self.follow_external_symlinks = follow_external_symlinks

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaStorage:
        return cls(settings.media_roots, settings.follow_external_symlinks)

    def root(self, name: str) -> MediaRoot:
        root = self._roots.get(name)
        if root is None:
            raise UnknownRootError(f"the media folder {name!r} is not configured on this server")
        return root

    def real_path(self, root_name: str, relative_path: str) -> str:
        """The real (symlink-free) absolute path of a file inside a root.

        Raises :class:`UnsafePathError`, :class:`UnknownRootError` or
        :class:`MediaMissingError`. Does not check that it is a regular file.
        """
        check_relative_path(relative_path)
        root = self.root(root_name)
        root_real = self._real[root_name]
        candidate = os.path.join(root_real, relative_path)
        try:
            real = os.path.realpath(candidate, strict=True)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafePathError("the path is refused: it runs into a symbolic-link loop") from None
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                raise MediaMissingError("the file is missing from disk; a rescan will update the library") from None
            if exc.errno == errno.ENAMETOOLONG:
                raise UnsafePathError("the path is refused: it is too long") from None
            raise MediaMissingError(f"the file cannot be reached ({exc.strerror})") from None
        if not _inside(real, root_real) and not self.follow_external_symlinks:
            raise UnsafePathError(f"the path is refused: it leads outside the media folder {root.name!r}")
        return real

    def resolve(self, root_name: str, relative_path: str) -> ResolvedFile:
        """:meth:`real_path` and one ``stat``: a regular file, checked, with its identity."""
        path = self.real_path(root_name, relative_path)
        try:
            st = stat_file(path)
        except FileNotFoundError:
            raise MediaMissingError("the file is missing from disk; a rescan will update the library") from None
        except IsADirectoryError:
            raise MediaMissingError("the path names a folder or a special file, not an audio file") from None
        except OSError as exc:
            raise MediaMissingError(f"the file cannot be read ({exc.strerror})") from None
        # A component swapped for a symbolic link between realpath and stat is caught here.
        if self.real_path(root_name, relative_path) != path:
            raise UnsafePathError("the path is refused: it changed while being checked")
        return ResolvedFile(path, st)

    def verified_stat(self, root_name: str, relative_path: str, known: ResolvedFile | None) -> ResolvedFile:
        """The file to serve now, with one ``stat`` when nothing changed.

        When the path ``known`` was resolved to still names the same file (device
        and inode), that file is the one that was checked inside the root, whatever
        happened to the folders on the way; otherwise everything is resolved again.
        """
        if known is not None:
            try:
                st = stat_file(known.path)
            except OSError:
                st = None
            if st is not None and st.ino == known.stat.ino and st.dev == known.stat.dev:
                return ResolvedFile(known.path, st)
        return self.resolve(root_name, relative_path)


def media_storage(ctx: CoreContext) -> MediaStorage:
    """This process's :class:`MediaStorage` for its settings (made once)."""
    storage = ctx.services.media
    if storage is None:
        storage = ctx.services.media = MediaStorage.from_settings(ctx.settings)
    return storage
