"""Tag value parsing and normalisation rules, one by one."""

from __future__ import annotations

import pytest
from sonantica_scanner import values as v
from sonantica_scanner.guess import guess_from_path
from sonantica_scanner.readers import RawTags, read_riff_info, squash
from sonantica_scanner.tags import normalise


@pytest.mark.parametrize(("text", "expected"), [
    ("  Title \x00", "Title"), ("\ufeffBOM", "BOM"), ("", None), ("   ", None), (None, None),
    (b"caf\xc3\xa9", "café"), (b"caf\xe9", "café"),
])
def test_clean(text: object, expected: str | None) -> None:
    assert v.clean(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Alice; Bob", ("Alice", "Bob")), ("Alice;Bob", ("Alice", "Bob")), ("Alice / Bob", ("Alice", "Bob")),
    ("Alice\x00Bob", ("Alice", "Bob")), ("AC/DC", ("AC/DC",)), ("Simon & Garfunkel", ("Simon & Garfunkel",)),
    ("Alice feat. Bob", ("Alice feat. Bob",)), ("Alice and Bob", ("Alice and Bob",)),
    ("Alice; alice; ", ("Alice",)), (" ; ", ()),
])
def test_default_splitting(text: str, expected: tuple[str, ...]) -> None:
    assert v.Splitter().split([text]) == expected


def test_configured_separators() -> None:
    splitter = v.Splitter((";", " feat. ", ","))
    assert splitter.split(["Alice feat. Bob, Carol"]) == ("Alice", "Bob", "Carol")


@pytest.mark.parametrize(("text", "expected"), [
    ("3", (3, None)), ("03", (3, None)), ("3/12", (3, 12)), (" 3 / 12 ", (3, 12)), ("3 of 12", (3, 12)),
    ("0", (None, None)), ("0/0", (None, None)), ("A1", (None, None)), ("", (None, None)), (None, (None, None)),
    ("12abc", (12, None)),
])
def test_number_pair(text: str | None, expected: tuple[int | None, int | None]) -> None:
    assert v.number_pair(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1997", "1997"), ("1997-05-21", "1997-05-21"), ("1997-5-2", "1997-05-02"), ("1997.05.21", "1997-05-21"),
    ("1997-05-21T07:00:00Z", "1997-05-21"), ("1997-05", "1997-05"), ("1997-13-40", "1997"),
    ("21.05.1997", "1997-05-21"), ("May 1997", "May 1997"), ("  ", None),
])
def test_date(text: str, expected: str | None) -> None:
    assert v.date(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1997-05-21", 1997), ("May 1997", 1997), ("19970", None), ("", None), ("0999", None),
])
def test_year(text: str, expected: int | None) -> None:
    assert v.year(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("-6.54 dB", -6.54), ("+2.10 dB", 2.1), ("-6,54 dB", -6.54), ("-6.54", -6.54), ("3 db", 3.0),
    ("loud", None), ("", None), ("nan dB", None), ("-1000 dB", None),
])
def test_gain(text: str, expected: float | None) -> None:
    assert v.gain(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("0.988", 0.988), ("1.000000", 1.0), ("0,5", 0.5), ("-1", None), ("x", None), ("inf", None),
])
def test_peak(text: str, expected: float | None) -> None:
    assert v.peak(text) == expected


def test_r128_conversion() -> None:
    assert v.r128_to_replaygain("-1280") == 0.0  # -5 dB to -23 LUFS is 0 dB to ReplayGain's -18
    assert v.r128_to_replaygain("0") == 5.0
    assert v.r128_to_replaygain("x") is None


def test_mbids_and_isrc() -> None:
    a, b = "89ad4ac3-39f7-470e-963a-56509c546377", "0383dadf-2a4e-4d10-a46a-e9e041da8eb3"
    assert v.mbids([f"{a.upper()}/{b}", a]) == (a, b)
    assert v.mbids(["not an id"]) == ()
    assert v.isrc(["us-s1z-99-00001"]) == "USS1Z9900001"
    assert v.isrc(["odd code"]) == "odd code"


def test_genre_references() -> None:
    assert v.genre_refs("(17)") == "Rock"
    assert v.genre_refs("(999)") == "(999)"
    assert v.genre_refs("Rock") == "Rock"


def test_lyrics_line_endings() -> None:
    assert v.lyrics(["", "  one\r\ntwo  \rthree\n\n"]) == "one\ntwo\nthree"


def test_alias_matching() -> None:
    assert squash("MusicBrainz Album Artist Id") == "MUSICBRAINZALBUMARTISTID"
    raw = RawTags()
    for name, value in (("Album Artist", "AA"), ("TOTALTRACKS", "9"), ("Organization", "Lbl"),
                        ("MusicBrainz/Album Id", "89ad4ac3-39f7-470e-963a-56509c546377"),
                        ("YEAR", "1990"), ("Mood", "Calm"), ("iTunSMPB", "noise"), ("My Field", "kept")):
        raw.add_named(name, [value])
    tags = normalise(raw, v.Splitter())
    assert (tags.album_artist, tags.track_total, tags.labels) == ("AA", 9, ("Lbl",))
    assert tags.musicbrainz_release_id == "89ad4ac3-39f7-470e-963a-56509c546377"
    assert (tags.date, tags.year) == ("1990", 1990)
    assert tags.extra == {"mood": "Calm", "my field": "kept"}


def test_replaygain_priority() -> None:
    raw = RawTags()
    raw.add("RVA2_TRACK_GAIN", ["-1.00"])
    raw.add("R128_TRACK_GAIN", ["-512"])
    assert normalise(raw, v.Splitter()).replaygain.track_gain == -1.0
    raw.add("REPLAYGAIN_TRACK_GAIN", ["-2 dB"])
    assert normalise(raw, v.Splitter()).replaygain.track_gain == -2.0
    only_r128 = RawTags()
    only_r128.add("R128_TRACK_GAIN", ["-512"])
    tags = normalise(only_r128, v.Splitter())
    assert tags.replaygain.track_gain == 3.0
    assert tags.extra["r128_track_gain"] == "-512"


def test_display_strings_and_artist_lists() -> None:
    raw = RawTags()
    raw.add("ARTIST", ["Alice", "Bob"])
    raw.add("ALBUMARTISTS", ["Alice", "Bob"])
    tags = normalise(raw, v.Splitter())
    assert (tags.artist, tags.artists) == ("Alice; Bob", ("Alice", "Bob"))
    assert (tags.album_artist, tags.album_artists) == ("Alice; Bob", ("Alice", "Bob"))


def test_notes_go_to_extra() -> None:
    tags = normalise(RawTags(), v.Splitter(), {"wrong_extension": "x"})
    assert tags.extra == {"wrong_extension": "x"}


def test_riff_info_reader() -> None:
    import io

    from sonantica_scanner.binary import FileView

    def sub(cid: bytes, text: bytes) -> bytes:
        body = text + b"\x00"
        return cid + len(body).to_bytes(4, "little") + body + (b"\x00" if len(body) % 2 else b"")

    chunk = sub(b"INAM", "Ünïcode".encode()) + sub(b"IART", b"Caf\xe9") + sub(b"ISRC", b"a CD") + sub(
        b"ICMT", b"note")
    raw = read_riff_info(FileView(io.BytesIO(chunk), len(chunk)), [(0, len(chunk))])
    assert raw.fields == {"TITLE": ["Ünïcode"], "ARTIST": ["Café"]}
    assert raw.extra == {"comment": ["note"]}


@pytest.mark.parametrize(("path", "title", "artist", "album", "track", "disc", "year"), [
    ("Artist/Album/01 - Song.flac", "Song", "Artist", "Album", 1, None, None),
    ("Artist/Album/01. Song.flac", "Song", "Artist", "Album", 1, None, None),
    ("Artist/Album/01_my_song.flac", "my song", "Artist", "Album", 1, None, None),
    ("Artist/Album (1998)/Song.flac", "Song", "Artist", "Album", None, None, 1998),
    ("Artist/[1998] Album/Song.flac", "Song", "Artist", "Album", None, None, 1998),
    ("Artist - Album/3 Song.flac", "Song", "Artist", "Album", 3, None, None),
    ("Artist/Album/CD2/1-07 Song.flac", "Song", "Artist", "Album", 7, 2, None),
    ("Artist/Album/Disc 3/07 Song.flac", "Song", "Artist", "Album", 7, 3, None),
    ("Album/Song.flac", "Song", None, "Album", None, None, None),
    ("Artist - Song.flac", "Song", "Artist", None, None, None, None),
    ("1979 Song.flac", "1979 Song", None, None, None, None, None),
])
def test_guess_from_path(path: str, title: str, artist: str | None, album: str | None, track: int | None,
                         disc: int | None, year: int | None) -> None:
    g = guess_from_path(path)
    assert (g.title, g.artist, g.album, g.track_number, g.disc_number, g.year) == (
        title, artist, album, track, disc, year)


def test_splitting_without_separators_in_sight_and_with_space_separators() -> None:
    assert v.Splitter().split(["Plain Name", " Other "]) == ("Plain Name", "Other")
    spaced = v.Splitter(("  ",))  # all white space: any run of two or more splits
    assert spaced.split(["Alice\t\tBob"]) == ("Alice", "Bob")
    assert v.display(("One",)) == "One" and v.display(["A\x00B"]) == "A; B" and v.display([" "]) is None


@pytest.mark.parametrize(("offset", "length"), [(0, 4), (3, 100), (9, 1), (10, 1), (-1, 2), (2, 0), (0, 1 << 30)])
def test_bytes_view_reads_what_a_file_view_reads(offset: int, length: int) -> None:
    """A file read into memory is read by slices, with the very same bounds as reads of the open file."""
    import io

    from sonantica_scanner.binary import BytesView, FileView

    data = bytes(range(10))
    assert BytesView(data).read_at(offset, length) == FileView(io.BytesIO(data), len(data)).read_at(offset, length)
