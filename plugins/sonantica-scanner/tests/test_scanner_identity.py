"""The audio hash survives moves, renames and retagging, and tells different audio apart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mutagen.flac import FLAC
from sonantica_scanner.scanner import MutagenScanner

from sonantica_core.testing.audio import FORMATS, AudioSpec, Picture, make_image, write_audio, write_tags

TAGGED = sorted(k for k, f in FORMATS.items() if f.tags != "none")
BIG_COVER = Picture(make_image((90, 10, 140), (400, 400), fmt="PNG"), 3, "image/png")


def _hash(root: Path, rel: str, sample: int = 65536) -> str:
    return MutagenScanner(hash_sample_bytes=sample).read("m", root, rel).audio_hash


def _write(root: Path, rel: str, fmt: str, freq: float = 440.0, duration: float = 0.3, **tags: str) -> Path:
    spec = AudioSpec(duration=duration, frequency=freq)
    return write_audio(root / rel, fmt, spec, {"title": "First", "artist": "Someone", **tags})


@pytest.mark.parametrize("sample", [65536, 4096], ids=["whole", "sampled"])
@pytest.mark.parametrize("fmt", TAGGED)
def test_same_hash_after_retag_rename_and_move(tmp_path: Path, fmt: str, sample: int) -> None:
    ext = FORMATS[fmt].extension
    original = _write(tmp_path, f"a/original.{ext}", fmt, duration=1.0)
    before = _hash(tmp_path, f"a/original.{ext}", sample)
    size_before = original.stat().st_size

    moved = tmp_path / "b" / "c" / f"renamed and moved.{ext}"
    moved.parent.mkdir(parents=True)
    shutil.move(original, moved)
    # Much bigger tags and a picture: headers grow, padding is used up, blocks move.
    pictures = [] if FORMATS[fmt].tags == "riff" else [BIG_COVER]
    write_tags(moved, fmt, {"title": "A much longer title " * 20, "artist": "Someone Else", "album": "New",
                            "lyrics": "la " * 3000, "genre": ["Jazz", "Blues"]}, pictures)
    assert moved.stat().st_size != size_before
    assert _hash(tmp_path, f"b/c/renamed and moved.{ext}", sample) == before


@pytest.mark.parametrize("fmt", TAGGED)
def test_different_audio_different_hash(tmp_path: Path, fmt: str) -> None:
    ext = FORMATS[fmt].extension
    _write(tmp_path, f"one.{ext}", fmt, freq=440.0)
    _write(tmp_path, f"two.{ext}", fmt, freq=660.0)
    assert _hash(tmp_path, f"one.{ext}") != _hash(tmp_path, f"two.{ext}")
    assert _hash(tmp_path, f"one.{ext}", 4096) != _hash(tmp_path, f"two.{ext}", 4096)


def test_flac_padding_changes_keep_the_hash(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.flac", "flac")
    first = _hash(tmp_path, "p.flac")
    assert first.startswith("flacmd5:")
    for padding in (0, 100_000, 7):
        f = FLAC(path)
        f.tags["COMMENT"] = [f"padding {padding}"]
        f.save(padding=lambda info, p=padding: p)
        assert _hash(tmp_path, "p.flac") == first


def test_flac_without_md5_hashes_the_frames(tmp_path: Path) -> None:
    path = _write(tmp_path, "nomd5.flac", "flac")
    f = FLAC(path)
    f.info.md5_signature = 0
    f.save()
    first, first_sampled = _hash(tmp_path, "nomd5.flac"), _hash(tmp_path, "nomd5.flac", 4096)
    assert first.startswith("s2:") and first_sampled.startswith("s2:")
    for padding in (0, 50_000):
        f = FLAC(path)
        f.tags["TITLE"] = [f"retitled {padding}"]
        f.add_picture(_flac_picture())
        f.save(padding=lambda info, p=padding: p)
        assert _hash(tmp_path, "nomd5.flac") == first
        assert _hash(tmp_path, "nomd5.flac", 4096) == first_sampled


def _flac_picture():  # type: ignore[no-untyped-def]
    from mutagen.flac import Picture as FlacPicture

    pic = FlacPicture()
    pic.type, pic.mime, pic.data = 3, "image/png", BIG_COVER.data
    return pic


def test_mp3_trailing_tags_do_not_change_the_hash(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.mp3", "mp3")
    first, first_sampled = _hash(tmp_path, "t.mp3"), _hash(tmp_path, "t.mp3", 4096)
    write_tags(path, "mp3", {"title": "APE too", "artist": "X"}, style="apev2")
    assert _hash(tmp_path, "t.mp3") == first
    with open(path, "ab") as f:  # an ID3v1 tag after the APEv2 tag
        f.write(b"TAG" + b"v1 title".ljust(30, b"\0") + bytes(94) + b"\xff")
    assert _hash(tmp_path, "t.mp3") == first
    assert _hash(tmp_path, "t.mp3", 4096) == first_sampled


def test_flac_md5_is_of_the_samples_not_of_the_file(tmp_path: Path) -> None:
    """Two FLAC files of the same audio with different tags share the STREAMINFO MD5."""
    a = _write(tmp_path, "a.flac", "flac", freq=500.0)
    b = _write(tmp_path, "b.flac", "flac", freq=500.0, album="Other album")
    assert a.read_bytes() != b.read_bytes()
    assert _hash(tmp_path, "a.flac") == _hash(tmp_path, "b.flac")


def test_large_payload_is_sampled_and_stable(tmp_path: Path) -> None:
    """A payload above three samples reads three windows; retagging still keeps the hash."""
    path = write_audio(tmp_path / "long.wav", "wav", AudioSpec(duration=3.0, frequency=300.0))
    assert path.stat().st_size > 3 * 65536
    first = _hash(tmp_path, "long.wav")
    write_tags(path, "wav", {"title": "x" * 500}, style="both")
    assert _hash(tmp_path, "long.wav") == first
    write_audio(tmp_path / "other.wav", "wav", AudioSpec(duration=3.0, frequency=301.0))
    assert _hash(tmp_path, "other.wav") != first


@pytest.mark.parametrize("fmt", ["vorbis", "opus", "oggflac"])
def test_ogg_sampled_hash_survives_repagination(tmp_path: Path, fmt: str) -> None:
    """Long Ogg streams are hashed by resyncing on pages at three points; a comment header that
    grows over several pages renumbers every audio page, which must not matter."""
    ext = FORMATS[fmt].extension
    path = write_audio(tmp_path / f"long.{ext}", fmt, AudioSpec(duration=4.0, frequency=350.0))
    assert path.stat().st_size > 3 * 4096
    first = _hash(tmp_path, f"long.{ext}", 4096)
    write_tags(path, fmt, {"lyrics": "words " * 40000}, [BIG_COVER])  # > 64 KiB of comments
    assert _hash(tmp_path, f"long.{ext}", 4096) == first
    write_audio(tmp_path / f"other.{ext}", fmt, AudioSpec(duration=4.0, frequency=351.0))
    assert _hash(tmp_path, f"other.{ext}", 4096) != first


def test_mp4_with_moov_first_keeps_its_hash_when_retagged(tmp_path: Path) -> None:
    """A "fast start" MP4 (moov before mdat): a bigger moov moves the mdat; its payload is the same."""
    import av

    source = write_audio(tmp_path / "src.m4a", "aac", AudioSpec(duration=1.0))
    with av.open(str(source)) as src, av.open(str(tmp_path / "fast.m4a"), "w", format="ipod",
                                                options={"movflags": "faststart"}) as out:
        stream = out.add_stream_from_template(src.streams.audio[0])
        for packet in src.demux(src.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    data = (tmp_path / "fast.m4a").read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")
    first = _hash(tmp_path, "fast.m4a")
    write_tags(tmp_path / "fast.m4a", "aac", {"title": "t" * 2000, "lyrics": "x" * 50000}, [BIG_COVER])
    data = (tmp_path / "fast.m4a").read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")
    assert _hash(tmp_path, "fast.m4a") == first
    assert _hash(tmp_path, "src.m4a") == first  # same stream, other layout
