"""Open a file with mutagen and collect its tags from every tag block it may carry.

Loading is tolerant of broken tags: when mutagen fails on a file whose stream
info it can still read alone (MP3, WAV, AIFF, WavPack, Monkey's Audio, ...), the
file is read without those tags and the problem is noted, instead of dropping
a playable file. Broken audio headers still fail, with a clear reason.
"""

from __future__ import annotations

import errno
import functools
import struct
from dataclasses import dataclass, field
from typing import IO, Any

from sonantica_core.contract import ScanError
from sonantica_scanner.binary import FileView
from sonantica_scanner.formats import Format
from sonantica_scanner.layout import Layout
from sonantica_scanner.readers import (
    RawTags,
    read_ape,
    read_asf,
    read_id3,
    read_mp4,
    read_riff_info,
    read_vorbis,
)

#: Exceptions a parser raises on malformed input (mutagen wraps most, not all, of its own).
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    struct.error, EOFError, ValueError, IndexError, KeyError, TypeError, OverflowError, UnicodeError,
    AssertionError, ZeroDivisionError, AttributeError, RecursionError, MemoryError,
)

_TRUNCATION_HINTS = ("said", "truncat", "not enough data", "eof", "too short", "end of file", "incomplete")


@functools.cache
def _errors() -> tuple[type[BaseException], ...]:
    """What loading may raise on malformed input: mutagen's errors and :data:`PARSE_ERRORS`."""
    from mutagen import MutagenError

    return (MutagenError, *PARSE_ERRORS)


@dataclass(slots=True)
class Opened:
    """A file as mutagen loaded it."""

    info: Any
    tags: Any
    pictures: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def describe_error(fmt: Format, error: BaseException) -> ScanError:
    """A ScanError that says what is wrong with a file mutagen could not read."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, OSError) and cause.errno in (errno.EIO, errno.ENXIO, errno.ESTALE):
        return ScanError(f"I/O error while reading: {cause.strerror}", "unreadable")
    message = str(error).strip()
    if not message and isinstance(cause, OSError) and cause.errno is None:
        # mutagen's reads past the end surface as a bare OSError
        return ScanError(f"truncated {fmt.label} file: it ends inside a header or tag", "corrupt")
    message = (message or type(error).__name__).replace("\n", " ")[:200]
    if any(hint in message.lower() for hint in _TRUNCATION_HINTS):
        return ScanError(f"truncated {fmt.label} file ({message})", "corrupt")
    return ScanError(f"not a valid {fmt.label} file ({message})", "corrupt")


def open_mutagen(fmt: Format, fileobj: IO[bytes], content_offset: int) -> Opened:
    """Load ``fileobj`` with ``fmt``'s mutagen class; fall back to its stream info alone."""
    errors = _errors()
    fileobj.seek(0)
    try:
        if fmt.id3:
            audio = fmt.mutagen_class()(fileobj, translate=False)
            _as_v24(audio.tags)
        else:
            audio = fmt.mutagen_class()(fileobj)
    except errors as exc:
        info_class = fmt.info_class()
        if info_class is None:
            raise describe_error(fmt, exc) from None
        try:
            fileobj.seek(0 if fmt.info_args == "fileobj" else content_offset)
            info = info_class(fileobj) if fmt.info_args == "fileobj" else info_class(fileobj, content_offset)
        except errors:
            raise describe_error(fmt, exc) from None
        return Opened(info=info, tags=None, problems=[f"tags unreadable: {str(exc)[:160] or type(exc).__name__}"])
    return Opened(info=audio.info, tags=audio.tags, pictures=list(getattr(audio, "pictures", []) or []))


#: ID3 frames that mutagen's ``update_to_v24`` turns into others or drops.
_LEGACY_FRAMES = ("TYER", "TDAT", "TIME", "TORY", "IPLS", "RVAD", "EQUA", "TRDA", "TSIZ")


def _as_v24(tags: Any) -> None:
    """mutagen's translation to ID3v2.4 (``update_to_v24``), when it changes what is read here.

    mutagen translates on loading by default, at a fifth of the cost of loading; a v2.4 tag
    without legacy frames, chapters or genres written "(n)" comes out the same without it.
    """
    if tags is None or not hasattr(tags, "update_to_v24"):
        return
    tcon = tags.get("TCON")
    if (
        tuple(getattr(tags, "version", (2, 4, 0))[:2]) < (2, 4)
        or any(key in tags for key in _LEGACY_FRAMES)
        or any(key.startswith(("CHAP", "CTOC")) for key in tags)
        or (tcon is not None and any(str(text).startswith("(") for text in tcon.text))
    ):
        tags.update_to_v24()


def collect_tags(fmt: Format, opened: Opened, fileobj: IO[bytes], view: FileView, layout: Layout,
                 content_offset: int) -> RawTags:
    """Every tag block of the file, merged: the format's own first, then APEv2, RIFF INFO."""
    key = fmt.key
    if key in ("flac",) or key.startswith("ogg-"):
        raw = read_vorbis(opened.tags, opened.pictures)
    elif key == "mp4":
        raw = read_mp4(opened.tags)
    elif key == "asf":
        raw = read_asf(opened.tags)
    elif key in ("wavpack", "ape", "mpc", "tak", "ofr"):
        raw = read_ape(opened.tags)
    elif key in ("aac", "ac3"):
        raw = RawTags()
    else:  # mp3, tta, wav, aiff, dsf, dff: ID3
        raw = read_id3(opened.tags)
    errors = _errors()
    if fmt.id3_extra and content_offset > 0:
        try:
            from mutagen.id3 import ID3

            fileobj.seek(0)
            id3 = read_id3(ID3(fileobj))
            id3.merge(raw)
            raw = id3
        except errors as exc:
            opened.problems.append(f"ID3 tag unreadable: {exc}")
    if fmt.apev2_extra and b"APETAGEX" in view.read_at(max(0, view.size - 512), 512):
        try:
            from mutagen.apev2 import APEv2

            fileobj.seek(0)
            raw.merge(read_ape(APEv2(fileobj)))
        except errors as exc:
            opened.problems.append(f"APEv2 tag unreadable: {exc}")
    if key == "wav" and layout.facts.get("riff_info"):
        raw.merge(read_riff_info(view, layout.facts["riff_info"]))
    return raw
