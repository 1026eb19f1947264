"""Every file of the generated library is read with exactly the expected values."""

from __future__ import annotations

import dataclasses

import pytest
from sonantica_scanner.scanner import MutagenScanner

from sonantica_core.contract import ScanError, ScannedFile
from sonantica_core.testing.audio import ExpectedFile, ExpectedProblem, LibraryManifest


def test_good_file(good_file: ExpectedFile, manifest: LibraryManifest, scanner: MutagenScanner) -> None:
    result = scanner.read("music", manifest.root, good_file.relative_path)
    assert isinstance(result, ScannedFile)
    assert result.root == "music"
    assert result.relative_path == good_file.relative_path
    assert result.size == (manifest.root / good_file.relative_path).stat().st_size
    assert result.mtime_ns == (manifest.root / good_file.relative_path).stat().st_mtime_ns

    technical = dataclasses.asdict(result.technical)
    for name, expected in good_file.technical.items():
        assert technical[name] == expected, name
    assert result.technical.duration == pytest.approx(good_file.duration, abs=good_file.duration_tolerance)
    assert result.technical.bitrate and result.technical.bitrate > 0

    tags = result.tags
    for name, expected in good_file.tags.items():
        if name == "replaygain":
            assert dataclasses.asdict(tags.replaygain) == pytest.approx(expected), name
        elif name == "extra":
            for key, value in expected.items():
                assert tags.extra.get(key) == value, f"extra[{key}]"
        else:
            assert getattr(tags, name) == expected, name

    if good_file.cover is None:
        assert result.cover is None
    else:
        assert result.cover is not None
        assert result.cover.source == good_file.cover["source"]
        assert result.cover.mime_type == good_file.cover["mime_type"]
        assert result.cover.data == good_file.cover["data"]
        assert result.cover.path == good_file.cover.get("path")

    assert result.audio_hash.startswith(("flacmd5:", "apemd5:", "s2:"))
    assert len(result.audio_hash.split(":", 1)[1]) == 32


def test_bad_file(bad_file: ExpectedProblem, manifest: LibraryManifest, scanner: MutagenScanner) -> None:
    if bad_file.skip_reason:
        pytest.skip(bad_file.skip_reason)
    with pytest.raises(ScanError) as info:
        scanner.read("music", manifest.root, bad_file.relative_path)
    assert info.value.kind == bad_file.kind
    assert bad_file.reason_contains.lower() in info.value.reason.lower()
    assert info.value.reason == str(info.value)


def test_every_format_is_in_the_library(manifest: LibraryManifest) -> None:
    from sonantica_core.testing.audio import FORMATS

    assert {f.format for f in manifest.files.values()} == set(FORMATS)


def test_audio_groups_match_hashes(manifest: LibraryManifest, scanner: MutagenScanner) -> None:
    """Files the manifest says hold the same audio share a hash; the others do not."""
    by_group: dict[str, set[str]] = {}
    for entry in manifest.files.values():
        digest = scanner.read("music", manifest.root, entry.relative_path).audio_hash
        by_group.setdefault(entry.audio_group, set()).add(digest)
    assert all(len(hashes) == 1 for hashes in by_group.values())
    assert len({next(iter(h)) for h in by_group.values()}) == len(by_group)


def test_exact_values_of_one_full_flac(manifest: LibraryManifest, scanner: MutagenScanner) -> None:
    """One file spelled out field by field, as a readable reference."""
    result = scanner.read("music", manifest.root, "Test Artist/Every Format (2001)/01 - FLAC Track.flac")
    t = result.tags
    assert (t.title, t.artist, t.artists, t.album) == ("FLAC Track", "Test Artist", ("Test Artist",), "Every Format")
    assert (t.track_number, t.track_total, t.disc_number, t.disc_total) == (1, 30, 1, 1)
    assert (t.date, t.original_date, t.year) == ("2001-03-04", "1999-12-31", 2001)
    assert t.genres == ("Electronic", "Ambient")
    assert t.isrc == "USABC0100001"
    assert t.musicbrainz_recording_id == "00000001-0000-4000-8000-000000000001"
    assert t.musicbrainz_track_id == "00000005-0000-4000-8000-000000000001"
    assert t.musicbrainz_release_id == "00000002-0000-4000-8000-000000000001"
    assert t.replaygain.track_gain == -6.54
    assert t.lyrics == "First line\nSecond line"
    tech = result.technical
    assert (tech.codec, tech.container, tech.sample_rate, tech.bit_depth, tech.channels, tech.lossless) == (
        "flac", "flac", 96000, 24, 2, True)
    assert result.audio_hash.startswith("flacmd5:")


def test_reading_from_disk_equals_reading_from_memory(manifest: LibraryManifest,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Small files are read into memory in one call, big ones through the file: same results."""
    import sonantica_scanner.scanner as scanner_module

    in_memory = {rel: MutagenScanner().read("m", manifest.root, rel) for rel in manifest.files}
    monkeypatch.setattr(scanner_module, "WHOLE_FILE_LIMIT", 0)
    for rel, expected in in_memory.items():
        assert MutagenScanner().read("m", manifest.root, rel) == expected, rel
    for rel, problem in manifest.problems.items():
        if problem.skip_reason:
            continue
        with pytest.raises(ScanError) as info:
            MutagenScanner().read("m", manifest.root, rel)
        assert info.value.kind == problem.kind, rel
