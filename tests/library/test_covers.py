"""Covers: sizes, WebP or JPEG by Accept, ETag and 304, placeholders, cache files, safety."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from librarybuild import Library
from PIL import Image, ImageStat
from sqlalchemy import update

from sonantica_core.db.library import Album, Track
from sonantica_core.media import covers

WEBP = {"Accept": "image/avif,image/webp,*/*;q=0.8"}
JPEG = {"Accept": "image/jpeg,image/*;q=0.8"}


def image_bytes(
    size: tuple[int, int], fmt: str = "PNG", color: tuple[int, ...] = (200, 30, 60), mode: str = "RGB"
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color if mode != "1" else 0).save(buffer, fmt)
    return buffer.getvalue()


def decoded(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


@pytest.fixture
async def covered(core: Any, library: Library) -> dict[str, str]:
    """Homogenic gets a 1200×800 PNG cover; Hunter its own square JPEG."""
    album_cover = covers.store_original_cover(core.storage, image_bytes((1200, 800)), "image/png")
    green = image_bytes((500, 500), "JPEG", (10, 200, 10))
    track_cover = covers.store_original_cover(core.storage, green, "image/jpeg")
    async with core.session() as session:
        album, track = library.albums["homogenic"], library.tracks["hunter"]
        await session.execute(update(Album).where(Album.id == album).values(cover_hash=album_cover))
        await session.execute(update(Track).where(Track.id == track).values(cover_hash=track_cover))
    return {"album": album_cover, "track": track_cover}


async def test_thumbnail_formats_sizes_and_cache_headers(api: Any, library: Library, covered: dict[str, str]) -> None:
    album = library.albums["homogenic"]
    response = await api.get(f"/api/covers/{album}?size=256", headers=WEBP)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["vary"] == "Accept"
    assert response.headers["etag"] == f'"{covered["album"][:32]}-256-webp"'
    image = decoded(response.content)
    assert image.format == "WEBP" and image.size == (256, 171)

    response = await api.get(f"/api/covers/{album}?size=64", headers=JPEG)
    assert response.headers["content-type"] == "image/jpeg"
    assert decoded(response.content).size == (64, 43)
    assert (await api.get(f"/api/covers/{album}?size=64")).headers["content-type"] == "image/jpeg"  # no Accept
    refused = await api.get(f"/api/covers/{album}?size=64", headers={"Accept": "image/webp;q=0, image/jpeg"})
    assert refused.headers["content-type"] == "image/jpeg"

    small = await api.get(f"/api/covers/{album}?size=1024", headers=WEBP)
    assert decoded(small.content).size == (1024, 683)  # never enlarged beyond the original either
    original = await api.get(f"/api/covers/{album}?size=original", headers=WEBP)
    assert original.headers["content-type"] == "image/png"
    assert original.content == image_bytes((1200, 800))


async def test_etag_gives_304(api: Any, library: Library, covered: dict[str, str]) -> None:
    url = f"/api/covers/{library.albums['homogenic']}?size=128"
    first = await api.get(url, headers=WEBP)
    etag = first.headers["etag"]
    for validator in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = await api.get(url, headers={**WEBP, "If-None-Match": validator})
        assert again.status_code == 304, validator
        assert again.content == b""
        assert again.headers["etag"] == etag and again.headers["vary"] == "Accept"
    other = await api.get(url, headers={**JPEG, "If-None-Match": etag})  # another format, another tag
    assert other.status_code == 200 and other.headers["content-type"] == "image/jpeg"
    original_url = url.replace("128", "original")
    original = await api.get(original_url)
    assert (await api.get(original_url, headers={"If-None-Match": original.headers["etag"]})).status_code == 304


async def test_thumbnails_are_cached_on_disk(api: Any, core: Any, library: Library, covered: dict[str, str]) -> None:
    url = f"/api/covers/{library.albums['homogenic']}?size=512"
    path = covers.thumbnail_path(core.storage, covered["album"], 512, "webp")
    assert not path.exists()
    responses = await asyncio.gather(*(api.get(url, headers=WEBP) for _ in range(8)))
    assert {response.status_code for response in responses} == {200}
    assert len({response.content for response in responses}) == 1
    assert path.read_bytes() == responses[0].content
    assert path.parent == core.storage.root / "covers" / "512" / covered["album"][:2]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left
    mtime = path.stat().st_mtime_ns
    assert (await api.get(url, headers=WEBP)).content == responses[0].content
    assert path.stat().st_mtime_ns == mtime


async def test_track_cover_falls_back_to_album(api: Any, library: Library, covered: dict[str, str]) -> None:
    own = await api.get(f"/api/covers/track/{library.tracks['hunter']}?size=64", headers=JPEG)
    assert own.headers["etag"] == f'"{covered["track"][:32]}-64-jpg"'
    assert decoded(own.content).getpixel((32, 32))[1] > 150  # the green track cover
    album = await api.get(f"/api/covers/track/{library.tracks['joga']}?size=64", headers=JPEG)
    assert album.headers["etag"] == f'"{covered["album"][:32]}-64-jpg"'
    track = (await api.get(f"/api/library/tracks/{library.tracks['joga']}")).json()
    assert track["links"]["cover"] == f"/api/covers/track/{library.tracks['joga']}?v={covered['album'][:12]}"


async def test_placeholder_when_there_is_no_cover(api: Any, core: Any, library: Library) -> None:
    for url in (
        f"/api/covers/{library.albums['debut']}?size=128",
        f"/api/covers/track/{library.tracks['loose']}?size=128",
    ):
        response = await api.get(url, headers=WEBP)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/webp"
        assert response.headers["cache-control"] == "public, max-age=86400"
        assert response.headers["etag"] == '"placeholder-128-webp-1"'
        image = decoded(response.content)
        assert image.size == (128, 128)
        assert 180 < ImageStat.Stat(image.convert("L")).mean[0] < 240  # a neutral grey
        again = await api.get(url, headers={**WEBP, "If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
    original = await api.get(f"/api/covers/{library.albums['debut']}", headers=JPEG)
    assert decoded(original.content).size == (512, 512)
    # a cover whose file is gone from the derived-data directory: the placeholder, not an error
    async with core.session() as session:
        await session.execute(update(Album).where(Album.id == library.albums["debut"]).values(cover_hash="ff" * 32))
    assert (await api.get(f"/api/covers/{library.albums['debut']}?size=64")).headers["etag"] == '"placeholder-64-jpg-1"'


async def test_unknown_album_or_track_is_404(api: Any, library: Library) -> None:
    assert (await api.get("/api/covers/999999")).status_code == 404
    assert (await api.get(f"/api/covers/track/{library.tracks['ghost']}")).status_code == 404
    assert (await api.get(f"/api/covers/{2**64}")).status_code == 404


async def test_damaged_stored_cover_is_a_clear_error(api: Any, core: Any, library: Library) -> None:
    data = image_bytes((300, 300), "JPEG")
    digest = covers.store_original_cover(core.storage, data, "image/jpeg")
    stored = covers.find_original(core.storage, digest)
    assert stored is not None
    stored.path.write_bytes(data[: len(data) // 3])
    async with core.session() as session:
        await session.execute(update(Album).where(Album.id == library.albums["debut"]).values(cover_hash=digest))
    response = await api.get(f"/api/covers/{library.albums['debut']}?size=64")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_cover"


def test_store_original_cover(core: Any) -> None:
    png = image_bytes((40, 30))
    digest = covers.store_original_cover(core.storage, png, "image/jpeg")  # the bytes decide: PNG
    assert covers.store_original_cover(core.storage, png, "image/png") == digest
    found = covers.find_original(core.storage, digest)
    assert found is not None and found.mime == "image/png"
    assert found.path == core.storage.root / "covers" / "original" / digest[:2] / f"{digest}.png"
    assert found.path.read_bytes() == png
    assert covers.find_original(core.storage, "../../etc/passwd") is None


@pytest.mark.parametrize(
    ("data", "mime", "message"),
    [
        (b"", "image/png", "empty"),
        (b"not an image at all", "image/png", "not a JPEG, PNG, WebP or GIF"),
        (image_bytes((10, 10), "BMP"), "image/bmp", "unsupported cover type"),
        (image_bytes((10, 10), "BMP"), "image/png", "not a JPEG, PNG, WebP or GIF"),
        (image_bytes((8000, 8000), "PNG", mode="1"), "image/png", "too large"),
        (image_bytes((20000, 20000), "PNG", mode="1"), "image/png", "too large"),
    ],
)
def test_store_refuses_bad_images(core: Any, data: bytes, mime: str, message: str) -> None:
    with pytest.raises(covers.CoverError, match=message):
        covers.store_original_cover(core.storage, data, mime)
