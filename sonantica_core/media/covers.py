"""Cover images: keeping originals, making thumbnails, and a placeholder for albums without one.

Originals live in the derived-data directory by content hash (SHA-256 of the bytes):
``covers/original/<hh>/<hash>.<ext>``, ext one of jpg, png, webp, gif. The scanner
calls :func:`store_original_cover` for each cover it finds and stores the hash in
``albums.cover_hash`` / ``tracks.cover_hash``.

Thumbnails are made on first request, at a fixed set of sizes, as WebP or JPEG:
``covers/<size>/<hh>/<hash>.<fmt>``. Every file is written to a unique temporary name
and renamed into place, so concurrent requests (or processes) never see half a file.
Images are checked before they are decoded: a file that is not a JPEG, PNG, WebP or
GIF, larger than :data:`MAX_COVER_BYTES`, or with more than :data:`MAX_COVER_PIXELS`
pixels (a decompression bomb) is refused with :class:`CoverError`.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, UnidentifiedImageError

from sonantica_core.context import DerivedStorage
from sonantica_core.errors import SonanticaError

#: Sizes thumbnails are made at (longest side, pixels).
SIZES = (64, 128, 256, 512, 1024)
#: Largest original accepted, in bytes and in pixels.
MAX_COVER_BYTES = 32 * 1024 * 1024
MAX_COVER_PIXELS = 50_000_000
#: Pillow format → (file extension, media type) of originals.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
EXTENSIONS = {ext: mime for ext, mime in FORMATS.values()}
#: Output formats of thumbnails: name → (Pillow format, media type, save options).
OUTPUTS = {
    "webp": ("WEBP", "image/webp", {"quality": 82, "method": 4}),
    "jpg": ("JPEG", "image/jpeg", {"quality": 85, "optimize": True, "progressive": True}),
    "png": ("PNG", "image/png", {"optimize": True}),
}
ACCEPTED_MIME = {"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/webp", "image/gif"}


class CoverError(SonanticaError, ValueError):
    """An image that cannot be used as a cover, with why."""


@dataclass(frozen=True)
class Original:
    """A stored original: its hash, file and media type."""

    hash: str
    path: Path
    mime: str


def _open_checked(data: bytes | Path) -> Image.Image:
    """Open (not decode) an image and check its format and size; CoverError if unfit."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source, formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise CoverError(f"the image is too large (more than {MAX_COVER_PIXELS:,} pixels)") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise CoverError(f"not a JPEG, PNG, WebP or GIF image ({exc})") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise CoverError("the image is empty")
    if width * height > MAX_COVER_PIXELS:
        raise CoverError(f"the image is too large: {width}×{height} is more than {MAX_COVER_PIXELS:,} pixels")
    return image


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a unique temporary file and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_original_cover(storage: DerivedStorage, data: bytes, mime: str) -> str:
    """Keep a cover image found by a scanner; returns its hash (for ``cover_hash``).

    ``mime`` is what the tags say; the bytes decide the extension (tags often say JPEG for
    a PNG). Storing the same image twice costs nothing. Raises :class:`CoverError` for
    images that are not JPEG/PNG/WebP/GIF, damaged, empty, or too large.
    """
    if mime and mime.lower().split(";")[0].strip() not in ACCEPTED_MIME | {"image/*", "application/octet-stream"}:
        raise CoverError(f"unsupported cover type {mime!r}: use JPEG, PNG, WebP or GIF")
    if not data:
        raise CoverError("the image is empty")
    if len(data) > MAX_COVER_BYTES:
        raise CoverError(f"the image is too large ({len(data):,} bytes; at most {MAX_COVER_BYTES:,})")
    image = _open_checked(data)
    ext = FORMATS[image.format or "JPEG"][0]
    try:
        image.verify()
    except Exception as exc:
        raise CoverError(f"the image is damaged ({exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    target = storage.path("covers/original", digest, f"{digest}.{ext}")
    if not target.exists():
        write_atomic(target, data)
    return digest


def find_original(storage: DerivedStorage, cover_hash: str) -> Original | None:
    """The stored original of ``cover_hash``, or None if it is not there."""
    if not cover_hash or not all(c in "0123456789abcdef" for c in cover_hash):
        return None
    for ext, mime in EXTENSIONS.items():
        path = storage.path("covers/original", cover_hash, f"{cover_hash}.{ext}")
        if path.is_file():
            return Original(cover_hash, path, mime)
    return None


def thumbnail_path(storage: DerivedStorage, cover_hash: str, size: int, fmt: str) -> Path:
    return storage.path(f"covers/{size}", cover_hash, f"{cover_hash}.{fmt}")


def _encode(image: Image.Image, fmt: str) -> bytes:
    pillow_format, _, options = OUTPUTS[fmt]
    if pillow_format == "JPEG" and image.mode != "RGB":
        image = _flatten(image)
    elif image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, pillow_format, **options)
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """An RGB image, transparent areas on white."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def render_thumbnail(original: Original, size: int, fmt: str) -> bytes:
    """The original scaled to fit ``size``×``size`` (never enlarged), encoded as ``fmt``."""
    image = _open_checked(original.path)
    try:
        image.draft("RGB", (size, size))  # JPEG: decode at a reduced scale
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        return _encode(image, fmt)
    except CoverError:
        raise
    except Exception as exc:  # a damaged file: truncated data, bad chunks
        raise CoverError(f"the stored cover cannot be read ({exc})") from None
    finally:
        image.close()


def thumbnail(storage: DerivedStorage, original: Original, size: int, fmt: str) -> Path:
    """The cached thumbnail of ``original``, made now if missing."""
    target = thumbnail_path(storage, original.hash, size, fmt)
    if not target.is_file():
        write_atomic(target, render_thumbnail(original, size, fmt))
    return target


@lru_cache(maxsize=32)
def placeholder(size: int, fmt: str) -> bytes:
    """A neutral cover for albums without one: a grey square with a record."""
    scale = 4  # draw large and shrink, for smooth edges
    side = size * scale
    image = Image.new("RGB", (side, side), (226, 226, 230))
    draw = ImageDraw.Draw(image)
    centre, outer, label, hole = side / 2, side * 0.34, side * 0.12, side * 0.025
    draw.ellipse((centre - outer, centre - outer, centre + outer, centre + outer), fill=(190, 190, 198))
    for ring in (0.30, 0.26, 0.22):
        radius = side * ring
        draw.ellipse(
            (centre - radius, centre - radius, centre + radius, centre + radius),
            outline=(178, 178, 187),
            width=max(1, side // 200),
        )
    draw.ellipse((centre - label, centre - label, centre + label, centre + label), fill=(238, 238, 242))
    draw.ellipse((centre - hole, centre - hole, centre + hole, centre + hole), fill=(190, 190, 198))
    return _encode(image.resize((size, size), Image.Resampling.LANCZOS), fmt)
