"""Bad files give a ScanError with a clear reason and kind, and nothing else ever escapes."""

from __future__ import annotations

import errno
import os
import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sonantica_scanner.scanner import MutagenScanner

from sonantica_core.contract import ScanError, ScannedFile
from sonantica_core.testing.audio import FORMATS, AudioSpec, Picture, make_image, permissions_enforced, write_audio

ALL_FORMATS = sorted(FORMATS)


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail instead of hanging forever (a parser loop on garbage)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"read took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _variants(data: bytes, seed: int) -> Iterator[tuple[str, bytes]]:
    """Truncated, garbled and padded versions of ``data`` (deterministic)."""
    rng = random.Random(seed)
    size = len(data)
    for cut in sorted({1, 3, 4, 8, 11, 20, 27, 40, 64, 100, 200, 500, 1000, size // 4, size // 2, size * 3 // 4,
                       size - 200, size - 33, size - 129, size - 1}):
        if 0 < cut < size:
            yield f"cut{cut}", data[:cut]
    for n in range(12):
        buf = bytearray(data)
        lo = 0 if n < 6 else min(size - 1, 64)
        hi = min(size, 4096) if n < 6 else size
        for _ in range(1 + n % 4):
            buf[rng.randrange(lo, hi)] = rng.randrange(256)
        yield f"flip{n}", bytes(buf)
    for n in range(4):
        buf = bytearray(data)
        start = rng.randrange(0, max(1, min(size, 2048) - 64))
        buf[start : start + 64] = (b"\xff" if n % 2 else b"\x00") * 64
        yield f"block{n}", bytes(buf)
    yield "garbage-tail", data + bytes(rng.randrange(256) for _ in range(300))
    yield "garbage-head", bytes(rng.randrange(256) for _ in range(300)) + data
    yield "huge-sizes", data[:4] + b"\xff\xff\xff\xff" + data[8:]
    yield "doubled", data + data


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_fuzz_never_crashes(tmp_path: Path, fmt: str) -> None:
    ext = FORMATS[fmt].extension
    tags = None if FORMATS[fmt].tags == "none" else {"title": "Fuzz", "artist": "Fuzzer", "album": "Fuzzing",
                                                      "lyrics": "l" * 300, "genre": ["A", "B"]}
    pictures = [] if FORMATS[fmt].tags in ("none", "riff") else [Picture(make_image(size=(8, 8)))]
    source = write_audio(tmp_path / f"source.{ext}", fmt, AudioSpec(duration=0.2), tags, pictures)
    data = source.read_bytes()
    scanner = MutagenScanner()
    outcomes: dict[str, int] = {}
    for n, (name, variant) in enumerate(_variants(data, seed=len(data))):
        rel = f"v{n}-{name}.{ext}"
        (tmp_path / rel).write_bytes(variant)
        with time_limit(20):
            try:
                result = scanner.read("m", tmp_path, rel)
            except ScanError as error:
                assert error.kind != "other", f"{rel}: {error.reason}"
                assert error.reason
                outcomes[error.kind] = outcomes.get(error.kind, 0) + 1
            else:
                assert isinstance(result, ScannedFile)
                assert result.audio_hash
                outcomes["read"] = outcomes.get("read", 0) + 1
    assert outcomes.get("read", 0) > 0  # garbling a tail or a tag often leaves a readable file


def test_cut_inside_the_audio_is_truncated(tmp_path: Path) -> None:
    """Containers that declare their sizes report a cut file as truncated, not as a good file."""
    scanner = MutagenScanner()
    for fmt in ("flac", "wav", "aiff", "dsf", "dff", "vorbis", "opus", "wavpack", "ape", "wma", "alac", "mp3"):
        ext = FORMATS[fmt].extension
        path = write_audio(tmp_path / f"full.{ext}", fmt, AudioSpec(duration=0.5), None if fmt != "mp3" else
                           {"title": "x"})
        data = path.read_bytes()
        (tmp_path / f"cut.{ext}").write_bytes(data[: len(data) * 2 // 3])
        with pytest.raises(ScanError) as info:
            scanner.read("m", tmp_path, f"cut.{ext}")
        assert info.value.kind == "corrupt", fmt
        assert "truncated" in info.value.reason, (fmt, info.value.reason)


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.mp3").write_bytes(b"")
    with pytest.raises(ScanError) as info:
        MutagenScanner().read("m", tmp_path, "empty.mp3")
    assert (info.value.kind, info.value.reason) == ("empty", "zero-byte file")


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "self.flac").symlink_to("self.flac")
    with pytest.raises(ScanError) as info:
        MutagenScanner().read("m", tmp_path, "self.flac")
    assert info.value.kind == "loop"


def test_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "gone.flac").symlink_to("nowhere.flac")
    with pytest.raises(ScanError) as info:
        MutagenScanner().read("m", tmp_path, "gone.flac")
    assert info.value.kind == "unreadable"
    assert "not found" in info.value.reason


def test_unreadable_file(tmp_path: Path) -> None:
    if not permissions_enforced(tmp_path):
        pytest.skip("file permissions are not enforced for this user (running as root); "
                    "test_permission_denied_is_unreadable covers the mapping")
    path = write_audio(tmp_path / "locked.flac", "flac")
    path.chmod(0)
    try:
        with pytest.raises(ScanError) as info:
            MutagenScanner().read("m", tmp_path, "locked.flac")
        assert (info.value.kind, info.value.reason) == ("unreadable", "permission denied")
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize(("code", "kind", "words"), [
    (errno.EACCES, "unreadable", "permission denied"),
    (errno.EIO, "unreadable", "I/O error"),
    (errno.ELOOP, "loop", "loop"),
])
def test_os_errors_map_to_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, kind: str,
                                words: str) -> None:
    """Works as root too: the operating system's refusal is simulated."""
    write_audio(tmp_path / "x.flac", "flac")

    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr("sonantica_scanner.scanner.os.open", refuse)
    with pytest.raises(ScanError) as info:
        MutagenScanner().read("m", tmp_path, "x.flac")
    assert info.value.kind == kind
    assert words in info.value.reason


def test_io_error_while_reading_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_audio(tmp_path / "x.flac", "flac")
    import sonantica_scanner.scanner as scanner_module

    def failing_read(self: object, *args: object) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(scanner_module, "WHOLE_FILE_LIMIT", 0)
    monkeypatch.setattr("sonantica_scanner.binary.FileView.read_at", failing_read)
    with pytest.raises(ScanError) as info:
        MutagenScanner().read("m", tmp_path, "x.flac")
    assert (info.value.kind, info.value.reason) == ("unreadable", "I/O error")


def test_directory_and_fifo_are_unsupported(tmp_path: Path) -> None:
    (tmp_path / "folder.flac").mkdir()
    os.mkfifo(tmp_path / "pipe.flac")
    scanner = MutagenScanner()
    for rel in ("folder.flac", "pipe.flac"):
        with time_limit(5), pytest.raises(ScanError) as info:
            scanner.read("m", tmp_path, rel)
        assert info.value.kind == "unsupported", rel


@pytest.mark.parametrize("rel", ["../outside.flac", "/etc/passwd", "a/../../b.flac", ""])
def test_paths_outside_the_root_are_refused(tmp_path: Path, rel: str) -> None:
    with pytest.raises(ScanError) as info:
        MutagenScanner().read("m", tmp_path / "root", rel)
    assert info.value.kind == "other"
    assert "media root" in info.value.reason


def test_unknown_content_and_extension(tmp_path: Path) -> None:
    (tmp_path / "notes.xyz").write_bytes(b"just text\n")
    with pytest.raises(ScanError) as info:
        MutagenScanner().read("m", tmp_path, "notes.xyz")
    assert info.value.kind == "unsupported"


def test_wrong_extension_read_by_content(tmp_path: Path) -> None:
    """Content wins over the name, and the mismatch is noted."""
    write_audio(tmp_path / "really.flac", "flac", AudioSpec(), {"title": "FLAC inside"})
    (tmp_path / "really.flac").rename(tmp_path / "named.mp3")
    write_audio(tmp_path / "o.opus", "opus", AudioSpec(), {"title": "Opus inside"})
    (tmp_path / "o.opus").rename(tmp_path / "named.ogg")
    scanner = MutagenScanner()
    flac = scanner.read("m", tmp_path, "named.mp3")
    assert (flac.technical.codec, flac.tags.title) == ("flac", "FLAC inside")
    assert flac.tags.extra["wrong_extension"] == "flac content in a .mp3 file"
    opus = scanner.read("m", tmp_path, "named.ogg")  # .ogg is a normal name for Opus
    assert opus.technical.codec == "opus"
    assert "wrong_extension" not in opus.tags.extra


def test_broken_tags_do_not_lose_the_audio(tmp_path: Path) -> None:
    """A corrupt APEv2 item (invalid UTF-8) makes mutagen reject the WavPack; the audio is still read."""
    path = write_audio(tmp_path / "t.wv", "wavpack", AudioSpec(duration=0.2), {"title": "Fine"})
    data = bytearray(path.read_bytes())
    at = data.rfind(b"Fine")
    data[at : at + 4] = b"\xff\xfe\xfd\xfc"
    path.write_bytes(bytes(data))
    result = MutagenScanner().read("m", tmp_path, "t.wv")
    assert result.technical.codec == "wavpack"
    assert "tag_error" in result.tags.extra
    assert result.tags.title == "t"  # guessed from the file name
    assert result.tags.guessed


def test_odd_but_valid_layouts(tmp_path: Path) -> None:
    """Stacked ID3v2 tags, an ID3v2 tag before a FLAC stream, junk before the first MPEG frame."""
    from mutagen.id3 import ID3, TIT2

    scanner = MutagenScanner()
    mp3 = write_audio(tmp_path / "a.mp3", "mp3", AudioSpec(duration=0.3), {"title": "Inner"})
    reference = scanner.read("m", tmp_path, "a.mp3")
    outer = ID3()
    outer.add(TIT2(encoding=3, text=["Outer"]))
    outer.save(tmp_path / "outer.id3")
    (tmp_path / "stacked.mp3").write_bytes((tmp_path / "outer.id3").read_bytes() + mp3.read_bytes())
    stacked = scanner.read("m", tmp_path, "stacked.mp3")
    assert stacked.audio_hash == reference.audio_hash
    assert stacked.technical.codec == "mp3"

    flac = write_audio(tmp_path / "b.flac", "flac", AudioSpec(duration=0.3), {"title": "FLAC"})
    (tmp_path / "id3.flac").write_bytes((tmp_path / "outer.id3").read_bytes() + flac.read_bytes())
    prefixed = scanner.read("m", tmp_path, "id3.flac")
    assert (prefixed.technical.codec, prefixed.tags.title) == ("flac", "FLAC")
    assert prefixed.audio_hash == scanner.read("m", tmp_path, "b.flac").audio_hash

    audio = mp3.read_bytes()
    first_frame = audio.index(b"\xff\xfb")  # after the ID3v2 tag
    (tmp_path / "junk.mp3").write_bytes(b"\x00junk\x00" * 50 + audio[first_frame:])
    junk = scanner.read("m", tmp_path, "junk.mp3")
    assert junk.technical.codec == "mp3"
    assert junk.tags.title == "junk" and junk.tags.guessed


@pytest.mark.parametrize(("head", "name"), [(b"RF64", "RF64"), (b"caff", "CAF"), (b"\x1aE\xdf\xa3", "Matroska")])
def test_known_but_unreadable_containers(tmp_path: Path, head: bytes, name: str) -> None:
    (tmp_path / "x.wav").write_bytes(head + bytes(200))
    with pytest.raises(ScanError) as info:
        MutagenScanner().read("m", tmp_path, "x.wav")
    assert info.value.kind == "unsupported"
    assert name in info.value.reason


def test_legacy_id3_frames_in_any_tag_version_are_read(tmp_path: Path) -> None:
    from mutagen.id3 import ID3, TCON, TYER

    path = write_audio(tmp_path / "a.mp3", "mp3", AudioSpec(duration=0.1), {"title": "t"})
    tags = ID3(path)
    tags.delall("TDRC")
    tags.add(TYER(encoding=3, text="1999"))  # an ID3v2.3 frame, left in a v2.4 tag
    tags.add(TCON(encoding=3, text="(17)"))
    tags.save(path, v2_version=4)
    read = MutagenScanner().read("m", tmp_path, "a.mp3")
    assert (read.tags.date, read.tags.year, read.tags.genres) == ("1999", 1999, ("Rock",))
    tags.save(path, v2_version=3)
    assert MutagenScanner().read("m", tmp_path, "a.mp3").tags.date == "1999"


def test_a_file_growing_while_read_is_read_to_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sonantica_scanner.scanner as scanner_module

    path = write_audio(tmp_path / "a.flac", "flac", AudioSpec(duration=0.2))
    whole = path.read_bytes()
    real_fstat = os.fstat

    def earlier_fstat(fd: int) -> os.stat_result:  # as if the file grew after fstat
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, *st[1:6], st.st_size - 100, *st[7:]))

    monkeypatch.setattr(scanner_module.os, "fstat", earlier_fstat)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert scanner_module._read_whole(fd, len(whole) - 100) == whole
    finally:
        os.close(fd)
    assert MutagenScanner().read("m", tmp_path, "a.flac").size == len(whole)
