"""The audio formats the scanner reads: names, extensions, content sniffing, mutagen loading.

A format is recognised from the file's first bytes (after any ID3v2 tags), not
from its name; the extension is only a fallback when the content is not
recognised (an MP3 starting with junk), and a hint for :meth:`Scanner.accepts`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from sonantica_scanner.binary import id3v2_size

_ASF_GUID = bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C")


@dataclass(frozen=True, slots=True)
class Format:
    """One audio format as the scanner knows it."""

    key: str  # "flac", "mp3", "ogg-vorbis", ...
    label: str  # human readable, for messages: "FLAC", "Ogg Vorbis"
    #: The usual extension of this content ("mp3", "opus", "m4a"), for messages.
    extension: str
    #: Extensions this content normally has (lower case, no dot).
    extensions: frozenset[str]
    #: mutagen FileType, as "module:Class".
    loader: str
    #: mutagen StreamInfo to fall back on when the tags cannot be read ("module:Class"), if any.
    info_only: str | None = None
    #: Signature of ``info_only``: "fileobj" or "fileobj_offset" (MPEGInfo, TrueAudioInfo).
    info_args: str = "fileobj"
    #: True when APEv2 tags may sit at the end beside the format's own (MP3, TTA, raw AAC).
    apev2_extra: bool = False
    #: True when ID3v2 tags may sit at the start of a format whose mutagen class ignores them.
    id3_extra: bool = False
    #: True when the mutagen class reads ID3 tags itself (and takes ID3's loading options).
    id3: bool = False
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def mutagen_class(self) -> Any:
        """The mutagen FileType class (imported on first use)."""
        return self._resolve(self.loader)

    def info_class(self) -> Any:
        """The mutagen StreamInfo class used when the tags are unreadable, or None."""
        return self._resolve(self.info_only) if self.info_only else None

    def _resolve(self, spec: str) -> Any:
        cls = self._cache.get(spec)
        if cls is None:
            module, name = spec.split(":")
            cls = self._cache[spec] = getattr(importlib.import_module(module), name)
        return cls


def _f(key: str, label: str, exts: str, loader: str, **kw: Any) -> Format:
    """A :class:`Format`; the first of ``exts`` is the usual extension."""
    return Format(key, label, exts.split()[0], frozenset(exts.split()), loader, **kw)


FORMATS: dict[str, Format] = {
    f.key: f
    for f in (
        _f("flac", "FLAC", "flac fla", "mutagen.flac:FLAC"),
        _f("mp3", "MPEG audio", "mp3 mp2 mp1 mpga mpa", "mutagen.mp3:MP3", info_only="mutagen.mp3:MPEGInfo",
           info_args="fileobj_offset", apev2_extra=True, id3=True),
        _f("ogg-vorbis", "Ogg Vorbis", "ogg oga", "mutagen.oggvorbis:OggVorbis"),
        _f("ogg-opus", "Ogg Opus", "opus ogg oga", "mutagen.oggopus:OggOpus"),
        _f("ogg-flac", "Ogg FLAC", "oga ogg", "mutagen.oggflac:OggFLAC"),
        _f("ogg-speex", "Ogg Speex", "spx ogg oga", "mutagen.oggspeex:OggSpeex"),
        _f("mp4", "MPEG-4 audio", "m4a m4b m4p m4r mp4 alac", "mutagen.mp4:MP4"),
        _f("wav", "WAV", "wav wave", "mutagen.wave:WAVE", info_only="mutagen.wave:WaveStreamInfo", id3=True),
        _f("aiff", "AIFF", "aif aiff aifc", "mutagen.aiff:AIFF", info_only="mutagen.aiff:AIFFInfo", id3=True),
        _f("wavpack", "WavPack", "wv", "mutagen.wavpack:WavPack", info_only="mutagen.wavpack:WavPackInfo"),
        _f("ape", "Monkey's Audio", "ape", "mutagen.monkeysaudio:MonkeysAudio",
           info_only="mutagen.monkeysaudio:MonkeysAudioInfo"),
        _f("dsf", "DSF", "dsf", "mutagen.dsf:DSF", id3=True),
        _f("dff", "DSDIFF", "dff", "mutagen.dsdiff:DSDIFF", id3=True),
        _f("asf", "Windows Media Audio", "wma asf", "mutagen.asf:ASF"),
        _f("tta", "True Audio", "tta", "mutagen.trueaudio:TrueAudio", info_only="mutagen.trueaudio:TrueAudioInfo",
           info_args="fileobj_offset", apev2_extra=True, id3=True),
        _f("mpc", "Musepack", "mpc mp+ mpp", "mutagen.musepack:Musepack", info_only="mutagen.musepack:MusepackInfo"),
        _f("tak", "TAK", "tak", "mutagen.tak:TAK", info_only="mutagen.tak:TAKInfo"),
        _f("ofr", "OptimFROG", "ofr ofs", "mutagen.optimfrog:OptimFROG", info_only="mutagen.optimfrog:OptimFROGInfo"),
        _f("aac", "raw AAC", "aac adts", "mutagen.aac:AAC", apev2_extra=True, id3_extra=True),
        _f("ac3", "AC-3", "ac3 ec3 eac3", "mutagen.ac3:AC3", apev2_extra=True, id3_extra=True),
    )
}

#: Extension (lower case, no dot) → the format a file of that name most likely holds.
BY_EXTENSION: dict[str, Format] = {}
for _fmt in FORMATS.values():
    for _ext in sorted(_fmt.extensions):
        BY_EXTENSION.setdefault(_ext, _fmt)
BY_EXTENSION["ogg"] = FORMATS["ogg-vorbis"]
BY_EXTENSION["oga"] = FORMATS["ogg-vorbis"]
BY_EXTENSION["mp2"] = FORMATS["mp3"]

#: Extensions accepted by default. ``mp4`` and ``asf`` are left out (usually video).
DEFAULT_EXTENSIONS: frozenset[str] = frozenset(BY_EXTENSION) - {"mp4", "asf"}


def _ogg_codec(c: bytes) -> str | None:
    if len(c) < 27:
        return None
    start = 27 + c[26]
    packet = c[start : start + 8]
    if packet.startswith(b"\x01vorbis"):
        return "ogg-vorbis"
    if packet.startswith(b"OpusHead"):
        return "ogg-opus"
    if packet.startswith(b"\x7fFLAC"):
        return "ogg-flac"
    if packet.startswith(b"Speex   "):
        return "ogg-speex"
    return None


_MAGIC: tuple[tuple[Callable[[bytes], bool], str], ...] = (
    (lambda c: c[:4] == b"fLaC", "flac"),
    (lambda c: c[:4] == b"RIFF" and c[8:12] == b"WAVE", "wav"),
    (lambda c: c[:4] == b"FORM" and c[8:12] in (b"AIFF", b"AIFC"), "aiff"),
    (lambda c: c[4:8] == b"ftyp", "mp4"),
    (lambda c: c[:4] == b"wvpk", "wavpack"),
    (lambda c: c[:4] == b"MAC ", "ape"),
    (lambda c: c[:4] == b"DSD ", "dsf"),
    (lambda c: c[:4] == b"FRM8" and c[12:16] in (b"DSD ", b"DST "), "dff"),
    (lambda c: c[:16] == _ASF_GUID, "asf"),
    (lambda c: c[:4] == b"TTA1", "tta"),
    (lambda c: c[:4] == b"MPCK" or c[:3] == b"MP+", "mpc"),
    (lambda c: c[:4] == b"tBaK", "tak"),
    (lambda c: c[:4] == b"OFR ", "ofr"),
    (lambda c: c[:4] == b"ADIF", "aac"),
    (lambda c: c[:2] == b"\x0b\x77", "ac3"),
    # ADTS: 12-bit sync, layer bits 00
    (lambda c: len(c) > 1 and c[0] == 0xFF and (c[1] & 0xF6) == 0xF0, "aac"),
    # MPEG audio: 11-bit sync, version != reserved, layer != reserved
    (lambda c: len(c) > 2 and c[0] == 0xFF and (c[1] & 0xE0) == 0xE0 and (c[1] & 0x18) != 0x08
     and (c[1] & 0x06) != 0 and (c[2] & 0xF0) != 0xF0, "mp3"),
)


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What :func:`sniff` found: the format (None if unknown) and where the content starts."""

    format: Format | None
    content_offset: int  # after ID3v2 tags at the start, if any


def sniff(fileobj: IO[bytes], head: bytes, size: int) -> Sniffed:
    """Recognise the format from the content: ``head`` is the file's first bytes.

    ID3v2 tags at the start are skipped (MP3, but also FLAC, AAC, APE or TTA
    written by careless taggers). Returns the format found, or None.
    """
    offset = 0
    content = head
    for _ in range(8):  # some players stack several ID3v2 tags
        tag = id3v2_size(content)
        if not tag:
            break
        offset += tag
        if offset >= size:
            return Sniffed(FORMATS["mp3"], offset)
        if offset + 64 <= len(head):
            content = head[offset:]
        else:
            fileobj.seek(offset)
            content = fileobj.read(256)
    if content[:4] == b"OggS":
        key = _ogg_codec(content if len(content) >= 300 else _read_more(fileobj, offset, content))
        return Sniffed(FORMATS[key] if key else None, offset)
    for test, key in _MAGIC:
        if test(content):
            return Sniffed(FORMATS[key], offset)
    if offset:  # ID3v2 then something unrecognised: MPEG audio after junk or padding, most likely
        return Sniffed(FORMATS["mp3"], offset)
    return Sniffed(None, 0)


def _read_more(fileobj: IO[bytes], offset: int, content: bytes) -> bytes:
    fileobj.seek(offset)
    return fileobj.read(512) or content
