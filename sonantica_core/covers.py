"""Cover images kept in the derived-data directory, named by their content hash."""

from __future__ import annotations

import hashlib

from sonantica_core.context import DerivedStorage

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


def store_original_cover(storage: DerivedStorage, data: bytes, mime: str) -> str:
    """Keep ``data`` under ``covers/original`` (once per distinct image); returns its hash."""
    extension = EXTENSIONS.get(mime)
    if extension is None:
        raise ValueError(f"unsupported cover type {mime!r}")
    digest = hashlib.sha256(data).hexdigest()
    target = storage.path("covers/original", digest, f"{digest}.{extension}")
    if not target.exists():
        storage.write_atomic(target, data)
    return digest
