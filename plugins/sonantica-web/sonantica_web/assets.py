"""The page's files, read once from the package and kept in memory with their gzip form.

Only the files shipped in ``sonantica_web/static`` exist here: a request names a key of
:class:`AssetStore`, never a filesystem path, so nothing outside the folder can be reached.
Each file carries a strong ETag (a hash of its bytes); text files also carry a gzip copy,
sent to clients whose ``Accept-Encoding`` names gzip.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from sonantica_web.errors import AssetError

#: Types worth compressing; images and fonts are compressed already.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/manifest+json")
TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".md": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # LICENSE
}


@dataclass(frozen=True, slots=True)
class Asset:
    """One file: its bytes, gzip form (or None), type and validator."""

    path: str
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _media_type(name: str) -> str:
    suffix = name[name.rfind(".") :] if "." in name else ""
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def make_asset(path: str, body: bytes) -> Asset:
    """An :class:`Asset` for ``body``, with its gzip form when that is smaller."""
    media_type = _media_type(path.rsplit("/", 1)[-1])
    gzipped = None
    if media_type.startswith(COMPRESSIBLE):
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        gzipped = packed if len(packed) < len(body) else None
    return Asset(path, body, gzipped, media_type, '"' + hashlib.sha256(body).hexdigest()[:24] + '"')


def _walk(folder: Traversable, prefix: str = "") -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    for entry in folder.iterdir():
        name = prefix + entry.name
        if entry.is_dir():
            found.update(_walk(entry, name + "/"))
        elif entry.is_file() and not entry.name.startswith("."):
            found[name] = make_asset(name, entry.read_bytes())
    return found


class AssetStore:
    """Every file of the page, by its path inside ``static/`` (``js/main.js``)."""

    def __init__(self, assets: dict[str, Asset]) -> None:
        if "index.html" not in assets:
            raise AssetError("the web player's index.html is missing from the sonantica_web package; reinstall it")
        self.assets = assets

    def get(self, path: str) -> Asset | None:
        """The asset at ``path``, or None."""
        return self.assets.get(path)

    def __len__(self) -> int:
        return len(self.assets)


@cache
def static_assets() -> AssetStore:
    """The package's files, read once per process."""
    return AssetStore(_walk(files("sonantica_web") / "static"))
