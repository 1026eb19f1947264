"""Read each tag format into one neutral form, :class:`RawTags`.

Every reader maps its format's field names onto canonical names (Vorbis comment
style: ``TITLE``, ``ARTIST``, ``MUSICBRAINZ_ALBUMID``...) and keeps values as
lists of strings in file order. :mod:`sonantica_scanner.tags` then normalises
those values the same way for every format.

Sources per format: ID3v2.2/2.3/2.4 and ID3v1 (mutagen merges v1 into v2 and
translates v2.3's TYER+TDAT and TORY into TDRC and TDOR), Vorbis comments
(FLAC, Ogg), APEv2, MP4 atoms (including ``----`` freeform atoms), ASF
attributes, and RIFF INFO chunks (parsed here: mutagen does not read them).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sonantica_scanner.binary import FileView, u32le
from sonantica_scanner.values import decode_bytes

#: Longest value kept for an "extra" tag (cue sheets and logs are not worth storing).
MAX_EXTRA_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class EmbeddedPicture:
    """A picture found in the tags; ``type`` follows ID3 APIC / FLAC (3 = front cover, None = unknown)."""

    data: bytes
    type: int | None


@dataclass(slots=True)
class RawTags:
    """Tags of one file under canonical names, before normalisation."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)
    pictures: list[EmbeddedPicture] = field(default_factory=list)

    def add(self, key: str, values: Iterable[Any]) -> None:
        """Append ``values`` (converted to str) to canonical field ``key``."""
        self.fields.setdefault(key, []).extend(str(v) for v in values if v is not None)

    def add_extra(self, key: str, values: Iterable[Any]) -> None:
        """Append ``values`` to the extra tag ``key`` (lower case), skipping overlong values."""
        kept = [str(v) for v in values if v is not None and len(str(v)) <= MAX_EXTRA_LENGTH]
        if kept:
            self.extra.setdefault(key.lower(), []).extend(kept)

    def add_named(self, name: str, values: Iterable[Any]) -> None:
        """Add a field by its name in any format, through :data:`ALIASES` and :data:`EXTRA_NAMES`."""
        key = squash(name)
        if key in ALIASES:
            self.add(ALIASES[key], values)
        elif key in EXTRA_NAMES:
            self.add_extra(EXTRA_NAMES[key], values)
        elif key not in IGNORED and not key.startswith(IGNORED_PREFIXES):
            self.add_extra(name.strip().lower(), values)

    def merge(self, other: RawTags) -> None:
        """Take from ``other`` every field this one lacks (this one has priority)."""
        for key, values in other.fields.items():
            self.fields.setdefault(key, values)
        for key, values in other.extra.items():
            self.extra.setdefault(key, values)
        if not self.pictures:
            self.pictures = list(other.pictures)

    def get(self, key: str) -> list[str]:
        """The values of canonical field ``key`` (empty list if absent)."""
        return self.fields.get(key, [])


def squash(name: str) -> str:
    """Upper-case ``name`` without spaces, underscores, dashes and slashes: how aliases are matched."""
    return _squash_known(name) if len(name) <= 64 else _SQUASHED.sub("", name).upper()


_SQUASHED = re.compile(r"[\s_/\-]")


@functools.lru_cache(maxsize=1024)
def _squash_known(name: str) -> str:
    """:func:`squash` of the short names that repeat from file to file."""
    return _SQUASHED.sub("", name).upper()


#: Field names (squashed) of Vorbis comments, APEv2 keys, TXXX descriptions, MP4 freeform
#: names and ASF attributes → canonical names.
ALIASES: dict[str, str] = {
    "TITLE": "TITLE",
    "ARTIST": "ARTIST",
    "ARTISTS": "ARTISTS",
    "ALBUM": "ALBUM",
    "ALBUMARTIST": "ALBUMARTIST",
    "ALBUMARTISTS": "ALBUMARTISTS",
    "COMPILATION": "COMPILATION",
    "ITUNESCOMPILATION": "COMPILATION",
    "TRACKNUMBER": "TRACKNUMBER",
    "TRACK": "TRACKNUMBER",
    "TRACKTOTAL": "TRACKTOTAL",
    "TOTALTRACKS": "TRACKTOTAL",
    "TRACKCOUNT": "TRACKTOTAL",
    "DISCNUMBER": "DISCNUMBER",
    "DISC": "DISCNUMBER",
    "DISKNUMBER": "DISCNUMBER",
    "DISCTOTAL": "DISCTOTAL",
    "TOTALDISCS": "DISCTOTAL",
    "DISKTOTAL": "DISCTOTAL",
    "TOTALDISKS": "DISCTOTAL",
    "DATE": "DATE",
    "YEAR": "YEAR",
    "ORIGINALDATE": "ORIGINALDATE",
    "ORIGINALRELEASEDATE": "ORIGINALDATE",
    "ORIGINALYEAR": "ORIGINALYEAR",
    "GENRE": "GENRE",
    "COMPOSER": "COMPOSER",
    "LABEL": "LABEL",
    "ORGANIZATION": "LABEL",
    "ORGANISATION": "LABEL",
    "PUBLISHER": "LABEL",
    "RECORDLABEL": "LABEL",
    "ISRC": "ISRC",
    "MUSICBRAINZTRACKID": "MUSICBRAINZ_TRACKID",
    "MUSICBRAINZRECORDINGID": "MUSICBRAINZ_TRACKID",
    "MUSICBRAINZRELEASETRACKID": "MUSICBRAINZ_RELEASETRACKID",
    "MUSICBRAINZALBUMID": "MUSICBRAINZ_ALBUMID",
    "MUSICBRAINZRELEASEID": "MUSICBRAINZ_ALBUMID",
    "MUSICBRAINZRELEASEGROUPID": "MUSICBRAINZ_RELEASEGROUPID",
    "MUSICBRAINZARTISTID": "MUSICBRAINZ_ARTISTID",
    "MUSICBRAINZALBUMARTISTID": "MUSICBRAINZ_ALBUMARTISTID",
    "REPLAYGAINTRACKGAIN": "REPLAYGAIN_TRACK_GAIN",
    "REPLAYGAINTRACKPEAK": "REPLAYGAIN_TRACK_PEAK",
    "REPLAYGAINALBUMGAIN": "REPLAYGAIN_ALBUM_GAIN",
    "REPLAYGAINALBUMPEAK": "REPLAYGAIN_ALBUM_PEAK",
    "R128TRACKGAIN": "R128_TRACK_GAIN",
    "R128ALBUMGAIN": "R128_ALBUM_GAIN",
    "LYRICS": "LYRICS",
    "UNSYNCEDLYRICS": "LYRICS",
    "UNSYNCHRONISEDLYRICS": "LYRICS",
}

#: Other fields worth keeping (squashed name → key in ``TagInfo.extra``).
EXTRA_NAMES: dict[str, str] = {
    "COMMENT": "comment",
    "DESCRIPTION": "comment",
    "BPM": "bpm",
    "INITIALKEY": "key",
    "KEY": "key",
    "GROUPING": "grouping",
    "CONTENTGROUP": "grouping",
    "COPYRIGHT": "copyright",
    "ENCODEDBY": "encodedby",
    "MEDIA": "media",
    "RELEASETYPE": "releasetype",
    "MUSICBRAINZALBUMTYPE": "releasetype",
    "RELEASESTATUS": "releasestatus",
    "MUSICBRAINZALBUMSTATUS": "releasestatus",
    "RELEASECOUNTRY": "releasecountry",
    "MUSICBRAINZALBUMRELEASECOUNTRY": "releasecountry",
    "CATALOGNUMBER": "catalognumber",
    "BARCODE": "barcode",
    "UPC": "barcode",
    "EAN": "barcode",
    "ASIN": "asin",
    "LANGUAGE": "language",
    "SCRIPT": "script",
    "MOOD": "mood",
    "CONDUCTOR": "conductor",
    "LYRICIST": "lyricist",
    "WRITER": "lyricist",
    "REMIXER": "remixer",
    "MIXARTIST": "remixer",
    "ARRANGER": "arranger",
    "PRODUCER": "producer",
    "ENGINEER": "engineer",
    "DJMIXER": "djmixer",
    "MIXER": "mixer",
    "SUBTITLE": "subtitle",
    "DISCSUBTITLE": "discsubtitle",
    "SETSUBTITLE": "discsubtitle",
    "ARTISTSORT": "artistsort",
    "ALBUMARTISTSORT": "albumartistsort",
    "TITLESORT": "titlesort",
    "ALBUMSORT": "albumsort",
    "COMPOSERSORT": "composersort",
    "MUSICBRAINZWORKID": "musicbrainz_workid",
    "ACOUSTIDID": "acoustid_id",
    "WORK": "work",
    "MOVEMENTNAME": "movementname",
    "MOVEMENT": "movementname",
    "MOVEMENTNUMBER": "movementnumber",
    "RELEASEDATE": "releasedate",
}

#: Fields dropped: pictures (read separately), encoder noise, binary or huge data.
IGNORED: frozenset[str] = frozenset({
    "METADATABLOCKPICTURE", "COVERART", "COVERARTMIME", "ITUNSMPB", "ITUNNORM", "ITUNPGAP",
    "ENCODERSETTINGS", "ENCODER", "ENCODINGSETTINGS", "ACOUSTIDFINGERPRINT", "CUESHEET", "LOG",
    "WAVEFORMATEXTENSIBLECHANNELMASK", "VENDOR", "TOOL",
})
IGNORED_PREFIXES: tuple[str, ...] = ("ITUNES", "WM", "COVERART")


# --------------------------------------------------------------------------
# ID3
# --------------------------------------------------------------------------

#: ID3 text frames → canonical names.
ID3_FIELDS: dict[str, str] = {
    "TIT2": "TITLE", "TPE1": "ARTIST", "TALB": "ALBUM", "TPE2": "ALBUMARTIST", "TCMP": "COMPILATION",
    "TRCK": "TRACKNUMBER", "TPOS": "DISCNUMBER", "TDRC": "DATE", "TDOR": "ORIGINALDATE",
    "TCOM": "COMPOSER", "TPUB": "LABEL", "TSRC": "ISRC",
}

#: ID3 text frames → extra keys.
ID3_EXTRA: dict[str, str] = {
    "TIT1": "grouping", "GRP1": "grouping", "TIT3": "subtitle", "TSST": "discsubtitle", "TBPM": "bpm",
    "TKEY": "key", "TMED": "media", "TLAN": "language", "TCOP": "copyright", "TENC": "encodedby",
    "TPE3": "conductor", "TEXT": "lyricist", "TPE4": "remixer", "TSOP": "artistsort", "TSO2": "albumartistsort",
    "TSOA": "albumsort", "TSOT": "titlesort", "TSOC": "composersort", "TMOO": "mood", "MVNM": "movementname",
    "MVIN": "movementnumber", "TDRL": "releasedate", "TOAL": "originalalbum", "TOPE": "originalartist",
}

#: Canonical fields that are lists by definition. ID3v2.3 joins list values with "/"
#: (the spec's separator, as Picard and mutagen write it), so they are split on it there.
ID3V23_LIST_FIELDS = frozenset({"ARTISTS", "ALBUMARTISTS", "MUSICBRAINZ_ARTISTID", "MUSICBRAINZ_ALBUMARTISTID"})


def read_id3(tags: Any) -> RawTags:
    """Read a mutagen ``ID3`` object (any of v1, v2.2, v2.3, v2.4)."""
    raw = RawTags()
    if tags is None:
        return raw
    v23 = getattr(tags, "version", (2, 4, 0))[:2] <= (2, 3)
    rva2: dict[str, Any] = {}
    for frame in tags.values():
        fid = frame.FrameID
        try:
            if fid in ID3_FIELDS:
                raw.add(ID3_FIELDS[fid], [str(t) for t in frame.text])
            elif fid == "TCON":
                raw.add("GENRE", frame.genres)
            elif fid in ID3_EXTRA:
                raw.add_extra(ID3_EXTRA[fid], [str(t) for t in frame.text])
            elif fid == "TXXX":
                values = [str(t) for t in frame.text]
                key = ALIASES.get(squash(frame.desc))
                if v23 and key in ID3V23_LIST_FIELDS:
                    values = [p for v in values for p in v.split("/")]
                raw.add_named(frame.desc, values)
            elif fid == "UFID" and frame.owner == "http://musicbrainz.org":
                raw.add("MUSICBRAINZ_TRACKID", [decode_bytes(frame.data)])
            elif fid == "USLT":
                raw.add("LYRICS", [frame.text])
            elif fid == "COMM":
                if frame.desc in ("", "ID3v1 Comment", "Comment") and frame.text:
                    raw.add_extra("comment", [str(t) for t in frame.text])
            elif fid == "RVA2" and frame.channel == 1 and frame.desc.lower() in ("track", "album"):
                rva2[frame.desc.lower()] = frame
            elif fid == "APIC":
                raw.pictures.append(EmbeddedPicture(bytes(frame.data), int(frame.type)))
        except (AttributeError, TypeError, ValueError, UnicodeError):
            continue  # one odd frame must not cost the others
    for which, frame in rva2.items():
        up = which.upper()
        raw.fields.setdefault(f"RVA2_{up}_GAIN", [f"{frame.gain:.2f}"])
        raw.fields.setdefault(f"RVA2_{up}_PEAK", [f"{frame.peak:.6f}"])
    return raw


# --------------------------------------------------------------------------
# Vorbis comments, APEv2
# --------------------------------------------------------------------------


def read_vorbis(tags: Any, pictures: Iterable[Any] = ()) -> RawTags:
    """Read Vorbis comments (FLAC, Ogg) and FLAC picture blocks or METADATA_BLOCK_PICTURE."""
    raw = RawTags()
    for pic in pictures:
        raw.pictures.append(EmbeddedPicture(bytes(pic.data), int(pic.type)))
    if tags is None:
        return raw
    legacy: list[str] = []
    for key, value in list(tags):
        upper = key.upper()
        if upper == "METADATA_BLOCK_PICTURE":
            picture = _flac_picture_from_base64(value)
            if picture is not None:
                raw.pictures.append(picture)
        elif upper == "COVERART":
            legacy.append(value)
        else:
            raw.add_named(key, [value])
    for value in legacy:  # old-style base64 image without a type
        with contextlib.suppress(binascii.Error, ValueError):
            raw.pictures.append(EmbeddedPicture(base64.b64decode(value, validate=False), None))
    return raw


def _flac_picture_from_base64(value: str) -> EmbeddedPicture | None:
    from mutagen.flac import Picture

    try:
        picture = Picture(base64.b64decode(value, validate=False))
    except Exception:  # mutagen raises assorted errors on garbage: skip the picture
        return None
    return EmbeddedPicture(bytes(picture.data), int(picture.type))


def read_ape(tags: Any) -> RawTags:
    """Read an APEv2 tag (WavPack, Monkey's Audio, Musepack, TAK, OptimFROG, MP3)."""
    raw = RawTags()
    if tags is None:
        return raw
    covers: list[tuple[int, EmbeddedPicture]] = []
    for key, value in tags.items():
        kind = getattr(value, "kind", 0)
        if kind == 1:  # binary
            if key.lower().startswith("cover art"):
                data = bytes(value.value)
                nul = data.find(b"\x00", 0, 512)
                data = data[nul + 1 :] if nul >= 0 else data
                ptype = 3 if "front" in key.lower() else 4 if "back" in key.lower() else None
                covers.append((0 if ptype == 3 else 1, EmbeddedPicture(data, ptype)))
            continue
        if kind == 0:
            raw.add_named(key, list(value))
    raw.pictures.extend(p for _, p in sorted(covers, key=lambda c: c[0]))
    return raw


# --------------------------------------------------------------------------
# MP4
# --------------------------------------------------------------------------

#: MP4 atoms → canonical names.
MP4_FIELDS: dict[str, str] = {
    "\xa9nam": "TITLE", "\xa9ART": "ARTIST", "\xa9alb": "ALBUM", "aART": "ALBUMARTIST", "\xa9day": "DATE",
    "\xa9gen": "GENRE", "\xa9wrt": "COMPOSER", "\xa9lyr": "LYRICS",
}

#: MP4 atoms → extra keys.
MP4_EXTRA: dict[str, str] = {
    "\xa9cmt": "comment", "\xa9grp": "grouping", "cprt": "copyright", "soar": "artistsort",
    "soaa": "albumartistsort", "sonm": "titlesort", "soal": "albumsort", "soco": "composersort",
    "desc": "description", "\xa9wrk": "work", "\xa9mvn": "movementname", "tmpo": "bpm",
}


def read_mp4(tags: Any) -> RawTags:
    """Read MP4 (iTunes) atoms, including ``----:mean:name`` freeform atoms."""
    raw = RawTags()
    if tags is None:
        return raw
    for key, values in tags.items():
        if not isinstance(values, list):
            values = [values]
        if key in MP4_FIELDS:
            raw.add(MP4_FIELDS[key], values)
        elif key in MP4_EXTRA:
            raw.add_extra(MP4_EXTRA[key], values)
        elif key in ("trkn", "disk"):
            number, total = ("TRACKNUMBER", "TRACKTOTAL") if key == "trkn" else ("DISCNUMBER", "DISCTOTAL")
            for pair in values[:1]:
                if isinstance(pair, tuple) and len(pair) == 2:
                    raw.add(number, [pair[0]] if pair[0] else [])
                    raw.add(total, [pair[1]] if pair[1] else [])
        elif key == "cpil":
            raw.add("COMPILATION", ["1" if values and values[0] else "0"])
        elif key == "covr":
            raw.pictures.extend(EmbeddedPicture(bytes(v), None) for v in values)
        elif key.startswith("----:"):
            name = key.split(":", 2)[-1]
            texts = [bytes(v).decode("utf-16-be", "replace") if getattr(v, "dataformat", 1) == 2
                     else decode_bytes(bytes(v)) for v in values if getattr(v, "dataformat", 1) in (0, 1, 2)]
            raw.add_named(name, texts)
    return raw


# --------------------------------------------------------------------------
# ASF
# --------------------------------------------------------------------------

#: ASF attributes → canonical names (others go through :data:`ALIASES` after squashing).
ASF_FIELDS: dict[str, str] = {
    "Title": "TITLE", "Author": "ARTIST", "WM/AlbumTitle": "ALBUM", "WM/AlbumArtist": "ALBUMARTIST",
    "WM/TrackNumber": "TRACKNUMBER", "WM/PartOfSet": "DISCNUMBER", "WM/Year": "DATE",
    "WM/OriginalReleaseTime": "ORIGINALDATE", "WM/OriginalReleaseYear": "ORIGINALYEAR", "WM/Genre": "GENRE",
    "WM/Composer": "COMPOSER", "WM/Publisher": "LABEL", "WM/ISRC": "ISRC", "WM/Lyrics": "LYRICS",
    "WM/IsCompilation": "COMPILATION", "WM/ARTISTS": "ARTISTS", "WM/ALBUMARTISTS": "ALBUMARTISTS",
}

#: ASF attributes → extra keys.
ASF_EXTRA: dict[str, str] = {
    "Description": "comment", "WM/BeatsPerMinute": "bpm", "WM/InitialKey": "key", "WM/Mood": "mood",
    "WM/ContentGroupDescription": "grouping", "WM/Conductor": "conductor", "WM/Writer": "lyricist",
    "WM/ModifiedBy": "remixer", "Copyright": "copyright", "WM/SubTitle": "subtitle",
    "WM/SetSubTitle": "discsubtitle", "WM/Media": "media", "WM/Language": "language",
    "WM/CatalogNo": "catalognumber", "WM/Barcode": "barcode", "WM/ArtistSortOrder": "artistsort",
    "WM/AlbumArtistSortOrder": "albumartistsort", "WM/AlbumSortOrder": "albumsort",
    "WM/TitleSortOrder": "titlesort",
}


def _asf_value(attr: Any) -> str | None:
    value = getattr(attr, "value", attr)
    if isinstance(value, bytes):
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def read_asf(tags: Any) -> RawTags:
    """Read ASF (WMA) attributes, including WM/Picture."""
    raw = RawTags()
    if tags is None:
        return raw
    zero_based: list[str] = []
    for key, attr in list(tags):
        if key == "WM/Picture":
            picture = _asf_picture(getattr(attr, "value", b""))
            if picture:
                raw.pictures.append(picture)
            continue
        text = _asf_value(attr)
        if text is None:
            continue
        if key in ASF_FIELDS:
            raw.add(ASF_FIELDS[key], [text])
        elif key in ASF_EXTRA:
            raw.add_extra(ASF_EXTRA[key], [text])
        elif key == "WM/Track":
            zero_based.append(text)
        elif not key.startswith("WM/"):
            raw.add_named(key, [text])
    if "TRACKNUMBER" not in raw.fields and zero_based and zero_based[0].isdigit():
        raw.add("TRACKNUMBER", [int(zero_based[0]) + 1])
    return raw


def _asf_picture(data: bytes) -> EmbeddedPicture | None:
    """Parse a WM/Picture value: type, length, UTF-16 MIME and description, data."""
    if len(data) < 9:
        return None
    ptype, length = data[0], u32le(data, 1)
    pos = 5
    for _ in range(2):  # MIME type, description: NUL-terminated UTF-16-LE
        end = pos
        while end + 1 < len(data) and data[end : end + 2] != b"\x00\x00":
            end += 2
        pos = end + 2
    body = data[pos : pos + length]
    return EmbeddedPicture(body, ptype) if body else None


# --------------------------------------------------------------------------
# RIFF INFO
# --------------------------------------------------------------------------

#: RIFF INFO ids → canonical names. (INFO's "ISRC" means "source", not the recording code.)
RIFF_FIELDS: dict[bytes, str] = {
    b"INAM": "TITLE", b"IART": "ARTIST", b"IPRD": "ALBUM", b"ICRD": "DATE", b"IGNR": "GENRE",
    b"ITRK": "TRACKNUMBER", b"IPRT": "TRACKNUMBER", b"IMUS": "COMPOSER", b"IAAR": "ALBUMARTIST",
}
RIFF_EXTRA: dict[bytes, str] = {
    b"ICMT": "comment", b"ICOP": "copyright", b"IENG": "engineer", b"ILNG": "language", b"IKEY": "keywords",
}


def read_riff_info(view: FileView, chunks: Iterable[tuple[int, int]]) -> RawTags:
    """Read RIFF LIST/INFO sub-chunks in the byte ranges ``chunks`` (found by the WAV walker)."""
    raw = RawTags()
    for start, end in chunks:
        data = view.read_at(start, min(end - start, 1 << 16))
        pos = 0
        while pos + 8 <= len(data):
            cid, size = data[pos : pos + 4], u32le(data, pos + 4)
            body = data[pos + 8 : pos + 8 + size]
            text = decode_bytes(body.split(b"\x00", 1)[0]).strip()
            if text:
                if cid in RIFF_FIELDS:
                    raw.fields.setdefault(RIFF_FIELDS[cid], []).append(text)
                elif cid in RIFF_EXTRA:
                    raw.add_extra(RIFF_EXTRA[cid], [text])
            pos += 8 + size + (size & 1)
    return raw
