"""Cover art: priorities, MIME sniffing, validation, folder images and their cache."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sonantica_scanner.covers import CoverFinder, sniff_mime, valid_image
from sonantica_scanner.readers import EmbeddedPicture
from sonantica_scanner.scanner import MutagenScanner

from sonantica_core.testing.audio import AudioSpec, Picture, make_image, write_audio

JPEG = make_image((200, 0, 0))
PNG = make_image((0, 200, 0), fmt="PNG")
WEBP = make_image((0, 0, 200), fmt="WEBP")
GIF = make_image((9, 9, 9), fmt="GIF")


@pytest.mark.parametrize(("data", "mime"), [
    (JPEG, "image/jpeg"), (PNG, "image/png"), (WEBP, "image/webp"), (GIF, "image/gif"), (b"nope", None),
])
def test_sniff_and_validate(data: bytes, mime: str | None) -> None:
    assert sniff_mime(data) == mime
    assert valid_image(data) == mime


@pytest.mark.parametrize("data", [JPEG[: len(JPEG) // 2], PNG[:-20], WEBP[:40], b"\xff\xd8\xff\xe0junk",
                                  b"\x89PNG\r\n\x1a\n" + b"\x00" * 50])
def test_broken_images_are_refused(data: bytes) -> None:
    assert valid_image(data) is None


def test_front_cover_first_then_any() -> None:
    finder = CoverFinder()
    back = EmbeddedPicture(PNG, 4)
    front = EmbeddedPicture(JPEG, 3)
    broken_front = EmbeddedPicture(b"\xff\xd8\xffbroken", 3)
    assert finder.embedded([back, front]).data == JPEG
    assert finder.embedded([broken_front, back]).data == PNG
    assert finder.embedded([EmbeddedPicture(PNG, None)]).mime_type == "image/png"
    assert finder.embedded([broken_front]) is None


def test_folder_names_and_order(tmp_path: Path) -> None:
    album = tmp_path / "A" / "B"
    album.mkdir(parents=True)
    write_audio(album / "01.flac", "flac", AudioSpec(duration=0.1))
    scanner = MutagenScanner()
    assert scanner.read("m", tmp_path, "A/B/01.flac").cover is None
    (album / "Front.WEBP").write_bytes(WEBP)
    time.sleep(0.01)
    os.utime(album)  # some file systems have coarse directory mtimes
    cover = scanner.read("m", tmp_path, "A/B/01.flac").cover
    assert (cover.source, cover.mime_type, cover.path) == ("folder", "image/webp", "A/B/Front.WEBP")
    (album / "folder.jpeg").write_bytes(JPEG)
    os.utime(album, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert scanner.read("m", tmp_path, "A/B/01.flac").cover.path == "A/B/folder.jpeg"
    (album / "COVER.png").write_bytes(PNG)
    os.utime(album, ns=(time.time_ns() + 2 * 10**9, time.time_ns() + 2 * 10**9))
    assert scanner.read("m", tmp_path, "A/B/01.flac").cover.path == "A/B/COVER.png"


def test_folder_image_replaced_in_place_is_seen(tmp_path: Path) -> None:
    write_audio(tmp_path / "01.flac", "flac", AudioSpec(duration=0.1))
    (tmp_path / "cover.jpg").write_bytes(JPEG)
    scanner = MutagenScanner()
    assert scanner.read("m", tmp_path, "01.flac").cover.data == JPEG
    other = make_image((1, 2, 3), (64, 64))
    (tmp_path / "cover.jpg").write_bytes(other)
    os.utime(tmp_path / "cover.jpg", ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    cover = scanner.read("m", tmp_path, "01.flac").cover
    assert (cover.data, cover.path) == (other, "cover.jpg")


def test_embedded_beats_folder_and_covers_can_be_off(tmp_path: Path) -> None:
    write_audio(tmp_path / "01.mp3", "mp3", AudioSpec(duration=0.1), {"title": "t"}, [Picture(PNG, 3, "image/png")])
    (tmp_path / "cover.jpg").write_bytes(JPEG)
    assert MutagenScanner().read("m", tmp_path, "01.mp3").cover.source == "embedded"
    assert MutagenScanner(read_covers=False).read("m", tmp_path, "01.mp3").cover is None


@pytest.mark.parametrize(("fmt", "ext"), [("flac", "flac"), ("mp3", "mp3"), ("aac", "m4a"), ("vorbis", "ogg"),
                                          ("opus", "opus"), ("wavpack", "wv"), ("ape", "ape"), ("wma", "wma"),
                                          ("aiff", "aiff"), ("dsf", "dsf"), ("speex", "spx")])
def test_embedded_cover_in_every_family(tmp_path: Path, fmt: str, ext: str) -> None:
    write_audio(tmp_path / f"x.{ext}", fmt, AudioSpec(duration=0.1), {"title": "t"},
                [Picture(JPEG, 4, "image/jpeg"), Picture(PNG, 3, "image/png")])
    cover = MutagenScanner().read("m", tmp_path, f"x.{ext}").cover
    expected = JPEG if fmt == "aac" else PNG  # MP4 covr has no picture type: the first one wins
    assert (cover.source, cover.data) == ("embedded", expected)
