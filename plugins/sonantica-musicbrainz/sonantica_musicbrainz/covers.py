"""Front covers from the Cover Art Archive, checked with Pillow, kept in the core's cover store."""

from __future__ import annotations

import json
from typing import Any

from sonantica_core.media.covers import CoverError, store_original_cover
from sonantica_core.outside import OutsideClient, OutsideError


async def fetch_front_cover(client: OutsideClient, storage: Any, mbid: str, size: str, max_bytes: int) -> str | None:
    """The stored cover's hash, or None when the archive has no front cover.

    Raises :class:`OutsideError` (the archive cannot be asked) or :class:`CoverError`
    (what it sent is not a usable image: damaged, fake, too large).
    """
    listing = await client.get(f"/release/{mbid}", accept="application/json")
    if listing.status == 404:
        return None
    try:
        images = json.loads(listing.content).get("images") or []
    except (ValueError, AttributeError):
        raise CoverError("the Cover Art Archive's answer is not its JSON") from None
    front = next((image for image in images if isinstance(image, dict) and image.get("front")), None)
    if front is None:
        return None
    url = front.get("image") if size == "original" else (front.get("thumbnails") or {}).get(size) or front.get("image")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise CoverError("the Cover Art Archive names no image address for the front cover")
    image = await client.get(url, max_bytes=max_bytes, cache=False)
    if image.status != 200:
        raise OutsideError(client.service, f"the front cover of {mbid} is gone (HTTP {image.status})")
    return store_original_cover(storage, image.content, image.media_type or "application/octet-stream")
