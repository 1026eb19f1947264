"""Find a track's cover: embedded front cover, else any embedded picture, else a folder image.

Folder images are ``cover.*``, ``folder.*`` and ``front.*`` (in that order of
preference; ``jpg``, ``jpeg``, ``png``, ``webp``; any letter case) in the
track's directory. The MIME type is sniffed from the bytes (a PNG declared as
JPEG is reported as PNG), and every candidate is checked with Pillow: a broken
or truncated image is skipped and the next candidate tried.

Checks and folder listings are cached (bounded), so an album's tracks pay for
its cover once.
"""

from __future__ import annotations

import io
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from sonantica_core.contract import CoverArt
from sonantica_scanner.readers import EmbeddedPicture

DEFAULT_FOLDER_NAMES: tuple[str, ...] = ("cover", "folder", "front")
DEFAULT_FOLDER_EXTENSIONS: tuple[str, ...] = ("jpg", "jpeg", "png", "webp")
#: Folder images larger than this are ignored.
MAX_FOLDER_IMAGE = 32 * 1024 * 1024


def sniff_mime(data: bytes) -> str | None:
    """The image MIME type from the first bytes, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:2] == b"BM":
        return "image/bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


def valid_image(data: bytes) -> str | None:
    """The MIME type of ``data`` if Pillow can decode it completely, else None.

    JPEGs are decoded at 1/8 scale (cheap) so a truncated file is caught; PNGs are
    verified chunk by chunk (CRCs, IEND); other formats are decoded.
    """
    mime = sniff_mime(data)
    if mime is None:
        return None
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            im.verify()
        if mime != "image/png":
            with Image.open(io.BytesIO(data)) as im:
                if mime == "image/jpeg":
                    im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
                im.load()
    except Exception:  # Pillow raises many kinds of errors on broken images
        return None
    return mime


class CoverFinder:
    """Finds covers; keeps small caches of checked images and folder listings. Thread-safe."""

    def __init__(self, folder_names: Sequence[str] = DEFAULT_FOLDER_NAMES,
                 extensions: Sequence[str] = DEFAULT_FOLDER_EXTENSIONS, cache_size: int = 256) -> None:
        self._rank = {f"{n.lower()}.{e.lower()}": i * len(extensions) + j
                      for i, n in enumerate(folder_names) for j, e in enumerate(extensions)}
        self._cache_size = cache_size
        self._checked: OrderedDict[tuple[int, bytes, bytes], str | None] = OrderedDict()
        self._folders: OrderedDict[str, tuple[int, tuple[str, ...]]] = OrderedDict()
        self._folder_images: OrderedDict[str, tuple[int, int, CoverArt | None]] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Pickle the settings only (scanners travel to worker processes); caches start empty."""
        return {"rank": self._rank, "cache_size": self._cache_size}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._rank = state["rank"]  # type: ignore[assignment]
        self._cache_size = state["cache_size"]  # type: ignore[assignment]
        self._checked = OrderedDict()
        self._folders = OrderedDict()
        self._folder_images = OrderedDict()
        self._lock = threading.Lock()

    # -- cache helpers ------------------------------------------------------------------
    def _remember(self, cache: OrderedDict, key: object, value: object) -> None:  # type: ignore[type-arg]
        with self._lock:
            cache[key] = value
            cache.move_to_end(key)
            while len(cache) > self._cache_size:
                cache.popitem(last=False)

    def _recall(self, cache: OrderedDict, key: object) -> object:  # type: ignore[type-arg]
        with self._lock:
            return cache.get(key, _MISSING)

    def checked_mime(self, data: bytes) -> str | None:
        """:func:`valid_image`, cached by length and the first and last bytes."""
        key = (len(data), data[:64], data[-512:])
        found = self._recall(self._checked, key)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        mime = valid_image(data)
        self._remember(self._checked, key, mime)
        return mime

    # -- lookups ----------------------------------------------------------------------------
    def embedded(self, pictures: Sequence[EmbeddedPicture]) -> CoverArt | None:
        """The front cover among ``pictures``, else the first valid one."""
        ordered = [p for p in pictures if p.type == 3] + [p for p in pictures if p.type != 3]
        for picture in ordered:
            mime = self.checked_mime(picture.data) if picture.data else None
            if mime:
                return CoverArt(data=picture.data, mime_type=mime, source="embedded")
        return None

    def folder(self, root_path: Path, relative_dir: str) -> CoverArt | None:
        """The best valid folder image in ``relative_dir`` (POSIX, relative to ``root_path``)."""
        directory = os.path.join(root_path, relative_dir)
        try:
            dir_mtime = os.stat(directory).st_mtime_ns
        except OSError:
            return None
        listing = self._recall(self._folders, directory)
        if listing is _MISSING or listing[0] != dir_mtime:  # type: ignore[index]
            names = self._candidates(directory)
            self._remember(self._folders, directory, (dir_mtime, names))
        else:
            names = listing[1]  # type: ignore[index]
        for name in names:
            cover = self._folder_image(directory, relative_dir, name)
            if cover is not None:
                return cover
        return None

    def find(self, pictures: Sequence[EmbeddedPicture], root_path: Path, relative_path: str) -> CoverArt | None:
        """Embedded first, then the folder of ``relative_path``."""
        return self.embedded(pictures) or self.folder(root_path, relative_path.rpartition("/")[0] or ".")

    def _candidates(self, directory: str) -> tuple[str, ...]:
        try:
            names = os.listdir(directory)
        except OSError:
            return ()
        rank = self._rank.get
        found = [(ranked, name) for name in names if (ranked := rank(name.lower())) is not None]
        return tuple(name for _, name in sorted(found))

    def _folder_image(self, directory: str, relative_dir: str, name: str) -> CoverArt | None:
        path = os.path.join(directory, name)
        try:
            st = os.stat(path)
        except OSError:
            return None
        cached = self._recall(self._folder_images, path)
        if cached is not _MISSING and cached[:2] == (st.st_size, st.st_mtime_ns):  # type: ignore[index]
            return cached[2]  # type: ignore[index]
        cover = None
        if 0 < st.st_size <= MAX_FOLDER_IMAGE:
            try:
                with open(path, "rb") as f:
                    data = f.read(MAX_FOLDER_IMAGE + 1)
            except OSError:
                data = b""
            mime = self.checked_mime(data) if data else None
            if mime:
                rel = name if relative_dir in ("", ".") else f"{relative_dir}/{name}"
                cover = CoverArt(data=data, mime_type=mime, source="folder", path=rel)
        self._remember(self._folder_images, path, (st.st_size, st.st_mtime_ns, cover))
        return cover


_MISSING = object()
