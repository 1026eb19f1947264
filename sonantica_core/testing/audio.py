"""Generate audio files, and whole test libraries, with known properties.

Used by the core's tests, the plugins' tests and the benchmarks: no audio binaries
live in the repository. Everything here is deterministic (same arguments, same
bytes), small (a fraction of a second of audio) and fast.

* :func:`write_audio` writes one file of any format in :data:`FORMATS`, with the
  tags, pictures and audio properties asked for.
* :func:`build_library` writes a realistic library (every format, multi-valued
  artists, a compilation, a two-disc album, Unicode names, covers embedded and
  beside the files, untagged files, bad files) and returns a
  :class:`LibraryManifest` that says exactly what a scanner must find.

Encoders: PyAV (FLAC, MP3, MP2, Vorbis, Opus, AAC, ALAC, PCM WAV/AIFF, WavPack,
TTA, WMA, AC-3, Ogg FLAC). Tags: mutagen. Formats no encoder here can write are
built by hand with valid headers: DSF and DSDIFF (real 1-bit DSD from a dithered
sine, decodable), and Monkey's Audio, Musepack SV7, OptimFROG and Ogg Speex,
whose headers are valid (mutagen and the scanner read them) but whose audio
payload is a stand-in, not a decodable bitstream: writing a real Monkey's Audio,
Musepack or OptimFROG encoder is out of scope.

Needs ``numpy``, ``av``, ``mutagen`` and ``Pillow`` (the core's test extra).
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import os
import shutil
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FORMATS",
    "TAG_FIELDS",
    "AudioSpec",
    "ExpectedFile",
    "ExpectedProblem",
    "FormatSpec",
    "LibraryManifest",
    "Picture",
    "build_library",
    "encode",
    "iter_files",
    "make_image",
    "make_samples",
    "permissions_enforced",
    "write_audio",
    "write_tags",
]


# --------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """One format :func:`write_audio` can write, and what a scanner should report."""

    key: str
    extension: str
    codec: str
    container: str
    lossless: bool
    #: Tag family written by :func:`write_tags`: "vorbis", "ogg", "id3", "mp4", "ape",
    #: "asf", "riff" (WAV: ID3 chunk and/or RIFF INFO) or "none".
    tags: str
    #: True when the audio is a decodable bitstream (False: valid headers, stand-in payload).
    decodable: bool = True
    #: Fixed sample rate of the format (Opus: 48 kHz), else None.
    fixed_rate: int | None = None
    #: Duration error a lossy encoder may add (priming, padding), in seconds.
    duration_tolerance: float = 0.002


FORMATS: dict[str, FormatSpec] = {
    f.key: f
    for f in (
        FormatSpec("flac", "flac", "flac", "flac", True, "vorbis"),
        FormatSpec("mp3", "mp3", "mp3", "mp3", False, "id3", duration_tolerance=0.08),
        FormatSpec("mp2", "mp2", "mp2", "mp2", False, "id3", duration_tolerance=0.08),
        FormatSpec("vorbis", "ogg", "vorbis", "ogg", False, "ogg", duration_tolerance=0.08),
        FormatSpec("opus", "opus", "opus", "ogg", False, "ogg", fixed_rate=48000, duration_tolerance=0.08),
        FormatSpec("oggflac", "oga", "flac", "ogg", True, "ogg"),
        FormatSpec("speex", "spx", "speex", "ogg", False, "ogg", decodable=False, duration_tolerance=0.03),
        FormatSpec("aac", "m4a", "aac", "mp4", False, "mp4", duration_tolerance=0.08),
        FormatSpec("alac", "m4a", "alac", "mp4", True, "mp4"),
        FormatSpec("wav", "wav", "pcm", "wav", True, "riff"),
        FormatSpec("aiff", "aiff", "pcm", "aiff", True, "id3"),
        FormatSpec("wavpack", "wv", "wavpack", "wv", True, "ape"),
        FormatSpec("ape", "ape", "ape", "ape", True, "ape", decodable=False),
        FormatSpec("dsf", "dsf", "dsd", "dsf", True, "id3", fixed_rate=2822400, duration_tolerance=0.002),
        FormatSpec("dff", "dff", "dsd", "dff", True, "id3", fixed_rate=2822400, duration_tolerance=0.002),
        FormatSpec("wma", "wma", "wma", "asf", False, "asf", duration_tolerance=0.1),
        FormatSpec("tta", "tta", "tta", "tta", True, "id3"),
        FormatSpec("musepack", "mpc", "musepack", "mpc", False, "ape", decodable=False, duration_tolerance=0.03),
        FormatSpec("optimfrog", "ofr", "optimfrog", "ofr", True, "ape", decodable=False),
        FormatSpec("adts", "aac", "aac", "adts", False, "none", duration_tolerance=0.1),
        FormatSpec("ac3", "ac3", "ac3", "ac3", False, "none", duration_tolerance=0.1),
    )
}


@dataclass(frozen=True, slots=True)
class AudioSpec:
    """The audio to generate: a sine (or a click train) of known properties."""

    duration: float = 0.25
    sample_rate: int = 44100
    channels: int = 2
    bit_depth: int = 16
    frequency: float = 440.0
    content: str = "sine"  # "sine" or "click"
    amplitude: float = 0.5


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture to embed. ``type`` follows ID3 APIC / FLAC (3 = front cover)."""

    data: bytes
    type: int = 3
    mime: str = "image/jpeg"
    description: str = ""


def make_samples(spec: AudioSpec) -> np.ndarray:
    """Float64 samples in [-1, 1], shape ``(frames, channels)``, for ``spec``.

    Channel ``c`` of a sine is the sine at ``frequency * (1 + c / 2)`` so channels differ.
    """
    frames = round(spec.duration * spec.sample_rate)
    t = np.arange(frames, dtype=np.float64) / spec.sample_rate
    columns = []
    for c in range(spec.channels):
        if spec.content == "click":
            x = np.zeros(frames)
            period = max(1, round(spec.sample_rate / spec.frequency))
            x[::period] = 1.0
        else:
            x = np.sin(2 * np.pi * spec.frequency * (1 + c / 2) * t)
        columns.append(spec.amplitude * x)
    return np.stack(columns, axis=1) if columns else np.zeros((frames, 0))


def make_image(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (32, 32),
               fmt: str = "JPEG") -> bytes:
    """A small valid image (Pillow), a colour block with a diagonal, in ``fmt``."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", size, color)
    ImageDraw.Draw(im).line((0, 0, size[0], size[1]), fill=(255, 255, 255))
    out = io.BytesIO()
    im.save(out, format=fmt)
    return out.getvalue()


# --------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------

_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 8: "7.1"}

# key -> (PyAV muxer, encoder, sample format, options, bit rate)
_PYAV: dict[str, tuple[str, str, str, dict[str, str], int | None]] = {
    "flac": ("flac", "flac", "s16", {}, None),
    "mp3": ("mp3", "libmp3lame", "fltp", {}, 128000),
    "mp2": ("mp2", "mp2", "s16", {}, 192000),
    "vorbis": ("ogg", "vorbis", "fltp", {"strict": "experimental"}, None),
    "opus": ("ogg", "libopus", "flt", {}, 96000),
    "oggflac": ("ogg", "flac", "s16", {}, None),
    "aac": ("ipod", "aac", "fltp", {}, 128000),
    "alac": ("ipod", "alac", "s16p", {}, None),
    "wav": ("wav", "pcm_s16le", "s16", {}, None),
    "aiff": ("aiff", "pcm_s16be", "s16", {}, None),
    "wavpack": ("wv", "wavpack", "s16p", {}, None),
    "wma": ("asf", "wmav2", "fltp", {}, 128000),
    "tta": ("tta", "tta", "s16", {}, None),
    "adts": ("adts", "aac", "fltp", {}, 128000),
    "ac3": ("ac3", "ac3", "fltp", {}, 192000),
}

_WIDE = {"flac": "s32", "oggflac": "s32", "alac": "s32p", "wav": "s32", "aiff": "s32", "tta": "s32"}
_WIDE_CODEC = {"wav": "pcm_s24le", "aiff": "pcm_s24be"}


def _encode_pyav(path: Path, key: str, spec: AudioSpec) -> None:
    import av
    from av.codec.codec import Capabilities

    muxer, codec, sample_fmt, options, bit_rate = _PYAV[key]
    if spec.bit_depth == 24 and key in _WIDE:
        sample_fmt = _WIDE[key]
        codec = _WIDE_CODEC.get(key, codec)
    elif spec.bit_depth not in (16, 24) and FORMATS[key].lossless:
        raise ValueError(f"{key}: bit depth {spec.bit_depth} is not supported here")
    samples = make_samples(spec)
    layout = _LAYOUTS[spec.channels]
    fmt = av.AudioFormat(sample_fmt)
    if fmt.name.startswith("s16"):
        data = np.round(samples * 32767).astype(np.int16)
    elif fmt.name.startswith("s32"):
        data = (np.round(samples * 8388607).astype(np.int32) << 8).astype(np.int32)
    else:
        data = samples.astype(np.float32)
    with av.open(str(path), "w", format=muxer) as container:
        stream = container.add_stream(codec, rate=spec.sample_rate, layout=layout, options=dict(options))
        stream.codec_context.format = sample_fmt
        if bit_rate:
            stream.codec_context.bit_rate = bit_rate
        stream.codec_context.open()
        frame_size = stream.codec_context.frame_size or 4096
        caps = stream.codec_context.codec.capabilities
        pad_last = not (caps & (Capabilities.small_last_frame | Capabilities.variable_frame_size))
        total = data.shape[0]
        for start in range(0, total, frame_size):
            chunk = data[start : start + frame_size]
            if pad_last and chunk.shape[0] < frame_size:
                chunk = np.concatenate([chunk, np.zeros((frame_size - chunk.shape[0], spec.channels), chunk.dtype)])
            array = chunk.T if fmt.is_planar else chunk.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(array), format=sample_fmt, layout=layout)
            frame.rate = spec.sample_rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def _pcm_bytes(spec: AudioSpec) -> bytes:
    """Interleaved little-endian PCM of ``spec`` (stand-in payload of hand-made formats)."""
    samples = make_samples(spec)
    if spec.bit_depth == 24:
        ints = np.round(samples * 8388607).astype("<i4")
        raw = ints.reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3]
        return raw.tobytes()
    return np.round(samples * 32767).astype("<i2").tobytes()


def _dsd_bits(spec: AudioSpec, rate: int) -> np.ndarray:
    """1-bit DSD (0/1 per sample), shape ``(frames, channels)``, from a dithered sine.

    Random-dither one-bit quantisation: low-pass filtered, it is the sine (plus noise).
    Deterministic (seeded from the spec).
    """
    hi = replace(spec, sample_rate=rate)
    samples = make_samples(hi)
    seed = int.from_bytes(hashlib.blake2b(repr(spec).encode(), digest_size=4).digest(), "little")
    rng = np.random.default_rng(seed)
    return (samples * 0.5 + 0.5 > rng.random(samples.shape)).astype(np.uint8)


def _write_dsf(path: Path, spec: AudioSpec) -> None:
    rate = FORMATS["dsf"].fixed_rate or 2822400
    bits = _dsd_bits(spec, rate)
    frames, channels = bits.shape
    block = 4096
    per_channel = []
    for c in range(channels):
        packed = np.packbits(bits[:, c], bitorder="little").tobytes()  # DSF: LSB first
        padded_len = -(-len(packed) // block) * block
        per_channel.append(packed.ljust(padded_len, b"\x00"))
    data = bytearray()
    for b in range(0, len(per_channel[0]), block):
        for c in range(channels):
            data += per_channel[c][b : b + block]
    channel_type = {1: 1, 2: 2}.get(channels, 7)
    fmt = struct.pack("<4sQIIIIIIQII", b"fmt ", 52, 1, 0, channel_type, channels, rate, 1, frames, block, 0)
    data_chunk = struct.pack("<4sQ", b"data", 12 + len(data)) + bytes(data)
    total = 28 + len(fmt) + len(data_chunk)
    dsd = struct.pack("<4sQQQ", b"DSD ", 28, total, 0)
    path.write_bytes(dsd + fmt + data_chunk)


def _write_dff(path: Path, spec: AudioSpec) -> None:
    rate = FORMATS["dff"].fixed_rate or 2822400
    bits = _dsd_bits(spec, rate)
    channels = bits.shape[1]
    packed = np.stack([np.packbits(bits[:, c], bitorder="big") for c in range(channels)], axis=1)
    audio = packed.reshape(-1).tobytes()  # byte-interleaved, MSB first

    def chunk(cid: bytes, body: bytes) -> bytes:
        return struct.pack(">4sQ", cid, len(body)) + body + (b"\x00" if len(body) % 2 else b"")

    ids = [b"SLFT", b"SRGT"] if channels == 2 else [b"C   "] * channels
    name = b"not compressed"
    cmpr = b"DSD " + bytes([len(name)]) + name + (b"\x00" if (len(name) + 1) % 2 else b"")
    prop = b"SND " + chunk(b"FS  ", struct.pack(">I", rate)) + chunk(
        b"CHNL", struct.pack(">H", channels) + b"".join(ids)) + chunk(b"CMPR", cmpr)
    body = b"DSD " + chunk(b"FVER", struct.pack(">I", 0x01050000)) + chunk(b"PROP", prop) + chunk(b"DSD ", audio)
    path.write_bytes(struct.pack(">4sQ", b"FRM8", len(body)) + body)


def _write_ape(path: Path, spec: AudioSpec) -> None:
    """A Monkey's Audio 3.99 file: valid descriptor, header, seek table; stand-in frames."""
    payload = _pcm_bytes(spec)
    frames = round(spec.duration * spec.sample_rate)
    blocks_per_frame = 73728 * 4
    total_frames = max(1, -(-frames // blocks_per_frame))
    final_blocks = frames - (total_frames - 1) * blocks_per_frame
    block_align = spec.channels * spec.bit_depth // 8
    wav_header = (b"RIFF" + struct.pack("<I", 36 + len(payload)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, spec.channels, spec.sample_rate, spec.sample_rate * block_align, block_align,
        spec.bit_depth) + b"data" + struct.pack("<I", len(payload)))
    header = struct.pack("<HHIIIHHI", 2000, 0, blocks_per_frame, final_blocks, total_frames,
                         spec.bit_depth, spec.channels, spec.sample_rate)
    descriptor_len, header_len = 52, len(header)
    seek_table = b"".join(
        struct.pack("<I", descriptor_len + header_len + 4 * total_frames + len(wav_header) + i)
        for i in range(total_frames))
    md5 = hashlib.md5(wav_header + seek_table + payload).digest()
    descriptor = struct.pack("<4sHHIIIIIII16s", b"MAC ", 3990, 0, descriptor_len, header_len, len(seek_table),
                             len(wav_header), len(payload), 0, 0, md5)
    path.write_bytes(descriptor + header + seek_table + wav_header + payload)


def _write_musepack(path: Path, spec: AudioSpec) -> None:
    """A Musepack SV7 header (44.1 kHz) followed by stand-in frames."""
    frames = max(1, math.ceil((spec.duration * 44100 + 576) / 1152))
    flags = 0  # sample rate index 0 = 44100
    header = b"MP+" + bytes([0x07]) + struct.pack("<II", frames, flags) + bytes(24)
    path.write_bytes(header + _pcm_bytes(replace(spec, sample_rate=44100, channels=2))[: 2048 * frames])


def _write_optimfrog(path: Path, spec: AudioSpec) -> None:
    """An OptimFROG 4.5+ header followed by stand-in compressed data."""
    frames = round(spec.duration * spec.sample_rate)
    total = frames * spec.channels
    sample_type = {16: 3, 24: 5}[spec.bit_depth]
    header = b"OFR " + struct.pack("<IIHBBIHB", 15, total & 0xFFFFFFFF, total >> 32, sample_type,
                                   spec.channels - 1, spec.sample_rate, 0x5100 >> 4 << 4, 0)
    path.write_bytes(header.ljust(76, b"\x00") + b"COMP" + _pcm_bytes(spec))


def _write_speex(path: Path, spec: AudioSpec, tags: Mapping[str, Any] | None = None) -> None:
    """An Ogg Speex stream: valid Speex and comment headers, stand-in audio packets."""
    from mutagen.ogg import OggPage

    rate = spec.sample_rate
    frame_size = 160 if rate <= 8000 else 320
    header = struct.pack("<8s20siiiiiiiiiiiii", b"Speex   ", b"1.2.1".ljust(20, b"\x00"), 1, 80, rate,
                         1 if rate > 8000 else 0, 4, spec.channels, -1, frame_size, 0, 1, 0, 0, 0)
    vendor = b"sonantica-testing"
    comment = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    serial = 0x50EC
    pages = []
    first = OggPage()
    first.packets, first.serial, first.sequence, first.position, first.first = [header], serial, 0, 0, True
    second = OggPage()
    second.packets, second.serial, second.sequence, second.position = [comment], serial, 1, 0
    pages += [first, second]
    total = round(spec.duration * rate)
    payload = _pcm_bytes(spec)
    position, seq, offset = 0, 2, 0
    while position < total:
        page = OggPage()
        n = min(frame_size * 10, total - position)
        position += n
        chunk = payload[offset : offset + 200] or b"\x00"
        offset += 200
        page.packets, page.serial, page.sequence, page.position = [chunk], serial, seq, position
        seq += 1
        pages.append(page)
    pages[-1].last = True
    path.write_bytes(b"".join(p.write() for p in pages))


def encode(path: str | os.PathLike[str], fmt: str, spec: AudioSpec | None = None) -> Path:
    """Write untagged audio of format ``fmt`` (a key of :data:`FORMATS`) to ``path``."""
    path = Path(path)
    spec = spec or AudioSpec()
    info = FORMATS[fmt]
    if info.fixed_rate and spec.sample_rate != info.fixed_rate and fmt == "opus":
        spec = replace(spec, sample_rate=info.fixed_rate)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in _PYAV:
        _encode_pyav(path, fmt, spec)
    elif fmt == "dsf":
        _write_dsf(path, spec)
    elif fmt == "dff":
        _write_dff(path, spec)
    elif fmt == "ape":
        _write_ape(path, spec)
    elif fmt == "musepack":
        _write_musepack(path, spec)
    elif fmt == "optimfrog":
        _write_optimfrog(path, spec)
    elif fmt == "speex":
        _write_speex(path, spec)
    else:  # pragma: no cover - FORMATS and the branches above agree
        raise ValueError(f"unknown format {fmt!r}")
    return path


# --------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------

#: Tag names understood by :func:`write_tags`, and the field each becomes per tag family:
#: (Vorbis comment, ID3 frame or "TXXX:desc", MP4 atom or freeform name, APEv2 key, ASF attribute).
TAG_FIELDS: dict[str, tuple[str, str, str, str, str]] = {
    "title": ("TITLE", "TIT2", "\xa9nam", "Title", "Title"),
    "artist": ("ARTIST", "TPE1", "\xa9ART", "Artist", "Author"),
    "artists": ("ARTISTS", "TXXX:ARTISTS", "ARTISTS", "Artists", "WM/ARTISTS"),
    "album": ("ALBUM", "TALB", "\xa9alb", "Album", "WM/AlbumTitle"),
    "albumartist": ("ALBUMARTIST", "TPE2", "aART", "Album Artist", "WM/AlbumArtist"),
    "albumartists": ("ALBUMARTISTS", "TXXX:ALBUMARTISTS", "ALBUMARTISTS", "AlbumArtists", "WM/ALBUMARTISTS"),
    "compilation": ("COMPILATION", "TCMP", "cpil", "Compilation", "WM/IsCompilation"),
    "date": ("DATE", "TDRC", "\xa9day", "Year", "WM/Year"),
    "originaldate": ("ORIGINALDATE", "TDOR", "ORIGINALDATE", "ORIGINALDATE", "WM/OriginalReleaseTime"),
    "genre": ("GENRE", "TCON", "\xa9gen", "Genre", "WM/Genre"),
    "composer": ("COMPOSER", "TCOM", "\xa9wrt", "Composer", "WM/Composer"),
    "label": ("LABEL", "TPUB", "LABEL", "Label", "WM/Publisher"),
    "isrc": ("ISRC", "TSRC", "ISRC", "ISRC", "WM/ISRC"),
    "musicbrainz_recordingid": ("MUSICBRAINZ_TRACKID", "UFID:http://musicbrainz.org", "MusicBrainz Track Id",
                                "MUSICBRAINZ_TRACKID", "MusicBrainz/Track Id"),
    "musicbrainz_trackid": ("MUSICBRAINZ_RELEASETRACKID", "TXXX:MusicBrainz Release Track Id",
                            "MusicBrainz Release Track Id", "MUSICBRAINZ_RELEASETRACKID",
                            "MusicBrainz/Release Track Id"),
    "musicbrainz_albumid": ("MUSICBRAINZ_ALBUMID", "TXXX:MusicBrainz Album Id", "MusicBrainz Album Id",
                            "MUSICBRAINZ_ALBUMID", "MusicBrainz/Album Id"),
    "musicbrainz_releasegroupid": ("MUSICBRAINZ_RELEASEGROUPID", "TXXX:MusicBrainz Release Group Id",
                                   "MusicBrainz Release Group Id", "MUSICBRAINZ_RELEASEGROUPID",
                                   "MusicBrainz/Release Group Id"),
    "musicbrainz_artistid": ("MUSICBRAINZ_ARTISTID", "TXXX:MusicBrainz Artist Id", "MusicBrainz Artist Id",
                             "MUSICBRAINZ_ARTISTID", "MusicBrainz/Artist Id"),
    "musicbrainz_albumartistid": ("MUSICBRAINZ_ALBUMARTISTID", "TXXX:MusicBrainz Album Artist Id",
                                  "MusicBrainz Album Artist Id", "MUSICBRAINZ_ALBUMARTISTID",
                                  "MusicBrainz/Album Artist Id"),
    "replaygain_track_gain": ("REPLAYGAIN_TRACK_GAIN", "TXXX:REPLAYGAIN_TRACK_GAIN", "replaygain_track_gain",
                              "REPLAYGAIN_TRACK_GAIN", "replaygain_track_gain"),
    "replaygain_track_peak": ("REPLAYGAIN_TRACK_PEAK", "TXXX:REPLAYGAIN_TRACK_PEAK", "replaygain_track_peak",
                              "REPLAYGAIN_TRACK_PEAK", "replaygain_track_peak"),
    "replaygain_album_gain": ("REPLAYGAIN_ALBUM_GAIN", "TXXX:REPLAYGAIN_ALBUM_GAIN", "replaygain_album_gain",
                              "REPLAYGAIN_ALBUM_GAIN", "replaygain_album_gain"),
    "replaygain_album_peak": ("REPLAYGAIN_ALBUM_PEAK", "TXXX:REPLAYGAIN_ALBUM_PEAK", "replaygain_album_peak",
                              "REPLAYGAIN_ALBUM_PEAK", "replaygain_album_peak"),
    "lyrics": ("LYRICS", "USLT", "\xa9lyr", "Lyrics", "WM/Lyrics"),
    "comment": ("COMMENT", "COMM", "\xa9cmt", "Comment", "Description"),
    "bpm": ("BPM", "TBPM", "tmpo", "BPM", "WM/BeatsPerMinute"),
}

#: Number tags, written per family as "n/total" pairs or separate fields.
NUMBER_TAGS = ("tracknumber", "tracktotal", "discnumber", "disctotal")

#: RIFF INFO chunk ids per tag name (WAV only).
RIFF_INFO_FIELDS = {"title": "INAM", "artist": "IART", "album": "IPRD", "date": "ICRD", "genre": "IGNR",
                    "tracknumber": "ITRK", "comment": "ICMT", "composer": "IMUS"}

TagValues = Mapping[str, "str | int | bool | Sequence[str]"]


def _values(value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, str | int | float):
        return [str(value)]
    return [str(v) for v in value]


def _split_raw(tags: TagValues) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Split ``tags`` into canonical names and raw per-family fields ("id3:TYER", "vorbis:ORGANIZATION")."""
    canonical: dict[str, Any] = {}
    raw: dict[str, dict[str, Any]] = {}
    for key, value in tags.items():
        if ":" in key and key.split(":", 1)[0] in {"vorbis", "id3", "mp4", "ape", "asf", "riff"}:
            family, name = key.split(":", 1)
            raw.setdefault(family, {})[name] = value
        else:
            if key not in TAG_FIELDS and key not in NUMBER_TAGS:
                raise ValueError(f"unknown tag name {key!r}")
            canonical[key] = value
    return canonical, raw


def _flac_picture(p: Picture) -> Any:
    from mutagen.flac import Picture as FlacPicture

    pic = FlacPicture()
    pic.type, pic.mime, pic.desc, pic.data = p.type, p.mime, p.description, p.data
    pic.width = pic.height = 32
    pic.depth = 24
    return pic


def _set_vorbis(comment: Any, canonical: dict[str, Any], raw: Mapping[str, Any]) -> None:
    for key, value in canonical.items():
        if key in NUMBER_TAGS:
            comment[key.upper()] = _values(value)
        else:
            comment[TAG_FIELDS[key][0]] = _values(value)
    for name, value in raw.items():
        comment[name] = _values(value)


def _number_pair(canonical: Mapping[str, Any], number: str, total: str) -> str | None:
    if number not in canonical:
        return None
    n = str(canonical[number])
    return f"{n}/{canonical[total]}" if total in canonical else n


def _id3_frames(canonical: dict[str, Any], raw: Mapping[str, Any], pictures: Sequence[Picture]) -> list[Any]:
    from mutagen import id3

    frames: list[Any] = []
    for key, value in canonical.items():
        if key in NUMBER_TAGS:
            continue
        frame_id = TAG_FIELDS[key][1]
        frames.append(_id3_frame(frame_id, _values(value)))
    for frame_id, number, total in (("TRCK", "tracknumber", "tracktotal"), ("TPOS", "discnumber", "disctotal")):
        pair = _number_pair(canonical, number, total)
        if pair:
            frames.append(_id3_frame(frame_id, [pair]))
    for name, value in raw.items():
        frames.append(value if isinstance(value, id3.Frame) else _id3_frame(name, _values(value)))
    for p in pictures:
        frames.append(id3.APIC(encoding=3, mime=p.mime, type=p.type, desc=p.description or f"picture {p.type}",
                               data=p.data))
    return frames


def _id3_frame(frame_id: str, values: list[str]) -> Any:
    from mutagen import id3

    if frame_id.startswith("TXXX:"):
        return id3.TXXX(encoding=3, desc=frame_id[5:], text=values)
    if frame_id.startswith("UFID:"):
        return id3.UFID(owner=frame_id[5:], data=values[0].encode("ascii"))
    if frame_id == "USLT":
        return id3.USLT(encoding=3, lang="eng", desc="", text=values[0])
    if frame_id == "COMM":
        return id3.COMM(encoding=3, lang="eng", desc="", text=values)
    return getattr(id3, frame_id)(encoding=3, text=values)


def _id3v1(canonical: Mapping[str, Any], genre: int = 255) -> bytes:
    def field_(name: str, size: int) -> bytes:
        value = _values(canonical[name])[0] if name in canonical else ""
        return value.encode("latin-1", "replace")[:size].ljust(size, b"\x00")

    track = int(canonical.get("tracknumber", 0))
    return (b"TAG" + field_("title", 30) + field_("artist", 30) + field_("album", 30) + field_("date", 4)
            + field_("comment", 28) + b"\x00" + bytes([track]) + bytes([genre]))


_MP4_ATOMS = frozenset({"\xa9nam", "\xa9ART", "\xa9alb", "aART", "\xa9day", "\xa9gen", "\xa9wrt", "\xa9lyr", "\xa9cmt"})


def _set_mp4(tags: Any, canonical: dict[str, Any], raw: Mapping[str, Any], pictures: Sequence[Picture]) -> None:
    from mutagen.mp4 import MP4Cover, MP4FreeForm

    for key, value in canonical.items():
        if key in NUMBER_TAGS:
            continue
        atom = TAG_FIELDS[key][2]
        if atom == "cpil":
            tags[atom] = _values(value)[0] in ("1", "True", "true")
        elif atom == "tmpo":
            tags[atom] = [int(v) for v in _values(value)]
        elif atom in _MP4_ATOMS:
            tags[atom] = _values(value)
        else:
            tags["----:com.apple.iTunes:" + atom] = [MP4FreeForm(v.encode("utf-8")) for v in _values(value)]
    for atom, number, total in (("trkn", "tracknumber", "tracktotal"), ("disk", "discnumber", "disctotal")):
        if number in canonical:
            tags[atom] = [(int(canonical[number]), int(canonical.get(total, 0)))]
    for name, value in raw.items():
        tags[name] = value
    if pictures:
        tags["covr"] = [MP4Cover(p.data, MP4Cover.FORMAT_PNG if p.mime == "image/png" else MP4Cover.FORMAT_JPEG)
                        for p in pictures]


_APE_PICTURE_KEYS = {3: "Cover Art (Front)", 4: "Cover Art (Back)"}


def _write_ape_tags(path: Path, canonical: dict[str, Any], raw: Mapping[str, Any],
                    pictures: Sequence[Picture]) -> None:
    from mutagen.apev2 import APEv2, APEValue

    tag = APEv2()
    for key, value in canonical.items():
        if key in NUMBER_TAGS:
            continue
        tag[TAG_FIELDS[key][3]] = _values(value)
    for name, number, total in (("Track", "tracknumber", "tracktotal"), ("Disc", "discnumber", "disctotal")):
        pair = _number_pair(canonical, number, total)
        if pair:
            tag[name] = pair
    for name, value in raw.items():
        tag[name] = value if not isinstance(value, str | list | tuple) else _values(value)
    for p in pictures:
        key = _APE_PICTURE_KEYS.get(p.type, f"Cover Art (Other {p.type})")
        ext = "png" if p.mime == "image/png" else "jpg"
        tag[key] = APEValue(f"cover.{ext}".encode() + b"\x00" + p.data, 1)  # 1 = BINARY
    tag.save(str(path))


def _asf_picture(p: Picture) -> bytes:
    mime = p.mime.encode("utf-16-le") + b"\x00\x00"
    desc = p.description.encode("utf-16-le") + b"\x00\x00"
    return struct.pack("<BI", p.type, len(p.data)) + mime + desc + p.data


def _set_asf(tags: Any, canonical: dict[str, Any], raw: Mapping[str, Any], pictures: Sequence[Picture]) -> None:
    from mutagen.asf import ASFBoolAttribute, ASFByteArrayAttribute

    for key, value in canonical.items():
        if key in NUMBER_TAGS:
            continue
        name = TAG_FIELDS[key][4]
        if name == "WM/IsCompilation":
            tags[name] = [ASFBoolAttribute(_values(value)[0] in ("1", "True", "true"))]
        else:
            tags[name] = _values(value)
    if "tracknumber" in canonical:
        tags["WM/TrackNumber"] = [str(canonical["tracknumber"])]
    if "tracktotal" in canonical:
        tags["TotalTracks"] = [str(canonical["tracktotal"])]
    pair = _number_pair(canonical, "discnumber", "disctotal")
    if pair:
        tags["WM/PartOfSet"] = [pair]
    for name, value in raw.items():
        tags[name] = _values(value)
    if pictures:
        tags["WM/Picture"] = [ASFByteArrayAttribute(_asf_picture(p)) for p in pictures]


def _riff_info_chunk(canonical: Mapping[str, Any], raw: Mapping[str, Any]) -> bytes:
    body = b"INFO"
    items = [(RIFF_INFO_FIELDS[k], "; ".join(_values(v))) for k, v in canonical.items() if k in RIFF_INFO_FIELDS]
    items += [(k, "; ".join(_values(v))) for k, v in raw.items()]
    for cid, text in items:
        data = text.encode("utf-8") + b"\x00"
        body += cid.encode("ascii") + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    return b"LIST" + struct.pack("<I", len(body)) + body


def _append_riff_chunk(path: Path, chunk: bytes) -> None:
    data = bytearray(path.read_bytes())
    if len(data) % 2:
        data += b"\x00"
    data += chunk
    struct.pack_into("<I", data, 4, len(data) - 8)
    path.write_bytes(bytes(data))


def _mutagen_class(fmt: str) -> Any:
    """The mutagen class for ``fmt`` (never guessed from the file name)."""
    import importlib

    module, name = {
        "mp3": ("mutagen.mp3", "MP3"), "mp2": ("mutagen.mp3", "MP3"), "aiff": ("mutagen.aiff", "AIFF"),
        "dsf": ("mutagen.dsf", "DSF"), "dff": ("mutagen.dsdiff", "DSDIFF"), "tta": ("mutagen.trueaudio", "TrueAudio"),
        "wav": ("mutagen.wave", "WAVE"), "vorbis": ("mutagen.oggvorbis", "OggVorbis"),
        "opus": ("mutagen.oggopus", "OggOpus"), "oggflac": ("mutagen.oggflac", "OggFLAC"),
        "speex": ("mutagen.oggspeex", "OggSpeex"),
    }[fmt]
    return getattr(importlib.import_module(module), name)


def write_tags(path: str | os.PathLike[str], fmt: str, tags: TagValues | None = None,
               pictures: Sequence[Picture] = (), style: str | None = None) -> None:
    """Write ``tags`` and ``pictures`` into the file at ``path`` of format ``fmt``.

    ``tags`` uses the names of :data:`TAG_FIELDS` and :data:`NUMBER_TAGS` (values: a
    string, an int, a bool or a list of strings for multiple values), plus raw
    per-family fields written as they are: ``"vorbis:ORGANIZATION"``,
    ``"id3:TYER"`` (or an ID3 frame object as value), ``"mp4:----:com.apple.iTunes:X"``,
    ``"ape:Key"``, ``"asf:WM/Key"``, ``"riff:ISFT"``.

    ``style`` picks the tag flavour where a format has several:

    * MP3, MP2, AIFF, DSF, DSDIFF, TTA: ``"id3v24"`` (default), ``"id3v23"`` (ID3v2.3, multiple
      values joined with "/" like Picard and mutagen do), ``"id3v1"`` (only an ID3v1 tag),
      ``"apev2"`` (only an APEv2 tag at the end), ``"id3v24+apev2"``.
    * WAV: ``"id3"`` (default, an ``id3`` chunk), ``"riff"`` (LIST/INFO chunk only), ``"both"``.
    """
    path = Path(path)
    canonical, raw = _split_raw(tags or {})
    family = FORMATS[fmt].tags
    if family == "vorbis":
        from mutagen.flac import FLAC

        f = FLAC(str(path))
        if f.tags is None:
            f.add_tags()
        _set_vorbis(f.tags, canonical, raw.get("vorbis", {}))
        for p in pictures:
            f.add_picture(_flac_picture(p))
        f.save()
    elif family == "ogg":
        f = _mutagen_class(fmt)(str(path))
        _set_vorbis(f.tags, canonical, raw.get("vorbis", {}))
        if pictures:
            f.tags["METADATA_BLOCK_PICTURE"] = [
                base64.b64encode(_flac_picture(p).write()).decode("ascii") for p in pictures]
        f.save()
    elif family == "mp4":
        from mutagen.mp4 import MP4

        f = MP4(str(path))
        if f.tags is None:
            f.add_tags()
        _set_mp4(f.tags, canonical, raw.get("mp4", {}), pictures)
        f.save()
    elif family == "ape":
        _write_ape_tags(path, canonical, raw.get("ape", {}), pictures)
    elif family == "asf":
        from mutagen.asf import ASF

        f = ASF(str(path))
        _set_asf(f.tags, canonical, raw.get("asf", {}), pictures)
        f.save()
    elif family in ("id3", "riff"):
        style = style or ("id3" if family == "riff" else "id3v24")
        if style in ("riff", "both"):
            _append_riff_chunk(path, _riff_info_chunk(canonical, raw.get("riff", {})))
            if style == "riff":
                return
            style = "id3v24"
        if style == "id3":
            style = "id3v24"
        if style == "id3v1":
            genre = int(raw.get("id3", {}).get("v1genre", 255))
            with open(path, "ab") as out:
                out.write(_id3v1(canonical, genre))
            return
        if style == "apev2":
            _write_ape_tags(path, canonical, raw.get("ape", {}), pictures)
            return
        frames = _id3_frames(canonical, {k: v for k, v in raw.get("id3", {}).items() if k != "v1genre"},
                             pictures)
        f = _mutagen_class(fmt)(str(path))
        if f.tags is None:
            f.add_tags()
        for frame in frames:
            f.tags.add(frame)
        if style == "id3v23":
            f.save(v2_version=3)
        elif style in ("id3v24", "id3v24+apev2"):
            f.save(v2_version=4)
        else:
            raise ValueError(f"unknown tag style {style!r}")
        if style == "id3v24+apev2":
            _write_ape_tags(path, canonical, raw.get("ape", {}), ())
    elif family == "none":
        if canonical or raw or pictures:
            raise ValueError(f"{fmt} files carry no tags")
    else:  # pragma: no cover
        raise ValueError(family)


def write_audio(path: str | os.PathLike[str], fmt: str, spec: AudioSpec | None = None,
                tags: TagValues | None = None, pictures: Sequence[Picture] = (),
                style: str | None = None) -> Path:
    """Write a file of format ``fmt`` with audio ``spec``, ``tags`` and ``pictures``.

    See :func:`write_tags` for ``tags`` and ``style``. Returns the path.
    """
    path = encode(path, fmt, spec)
    if tags or pictures:
        write_tags(path, fmt, tags, pictures, style)
    return path


def permissions_enforced(directory: str | os.PathLike[str]) -> bool:
    """True if a file with mode 000 in ``directory`` really cannot be read (False as root)."""
    probe = Path(directory) / ".permission-probe"
    probe.write_bytes(b"x")
    try:
        probe.chmod(0)
        try:
            with open(probe, "rb"):
                return False
        except PermissionError:
            return True
    finally:
        probe.chmod(0o644)
        probe.unlink()


# --------------------------------------------------------------------------
# Library
# --------------------------------------------------------------------------


@dataclass(slots=True)
class ExpectedFile:
    """What a scanner must report for one good file of a :func:`build_library` library.

    ``tags`` maps :class:`~sonantica_core.contract.TagInfo` field names to exact values
    (fields not listed are not asserted; ``replaygain`` maps to a dict of
    :class:`~sonantica_core.contract.ReplayGainTags` fields; ``extra`` to a dict of keys
    that must be present with these values). ``technical`` maps
    :class:`~sonantica_core.contract.TechnicalInfo` field names to exact values;
    ``duration`` is checked within ``duration_tolerance``.
    """

    relative_path: str
    format: str
    technical: dict[str, Any]
    duration: float
    duration_tolerance: float
    tags: dict[str, Any]
    #: None: no cover expected. Else a dict with "source" ("embedded" or "folder"),
    #: "mime_type", "data" (the exact bytes) and for folder covers "path".
    cover: dict[str, Any] | None = None
    #: Files with the same audio_group hold the same audio stream (same hash expected).
    audio_group: str = ""


@dataclass(slots=True)
class ExpectedProblem:
    """A bad file of the library and the :class:`~sonantica_core.contract.ScanError` kind expected."""

    relative_path: str
    kind: str
    reason_contains: str = ""
    #: Set when the case cannot be produced here (e.g. permissions while running as root).
    skip_reason: str | None = None


@dataclass(slots=True)
class LibraryManifest:
    """What :func:`build_library` wrote: good files and bad ones, by relative path."""

    root: Path
    files: dict[str, ExpectedFile] = field(default_factory=dict)
    problems: dict[str, ExpectedProblem] = field(default_factory=dict)

    @property
    def audio_paths(self) -> list[str]:
        """Relative paths of every entry (good and bad), sorted."""
        return sorted([*self.files, *self.problems])


_MBID = "{:08x}-0000-4000-8000-{:012x}"


def _mbid(n: int, kind: int) -> str:
    return _MBID.format(kind, n)


class _LibraryBuilder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = LibraryManifest(root=root)
        self._specs: dict[str, AudioSpec] = {}

    def add(self, rel: str, fmt: str, spec: AudioSpec | None = None, tags: TagValues | None = None,
            pictures: Sequence[Picture] = (), style: str | None = None, expect: Mapping[str, Any] | None = None,
            cover: dict[str, Any] | None = None, audio_group: str | None = None) -> Path:
        spec = spec or AudioSpec()
        info = FORMATS[fmt]
        if fmt == "opus":
            spec = replace(spec, sample_rate=48000)
        path = write_audio(self.root / rel, fmt, spec, tags, pictures, style)
        rate = info.fixed_rate or spec.sample_rate
        if fmt in ("musepack",):
            rate = 44100
        channels = 2 if fmt == "musepack" else spec.channels
        bit_depth: int | None = spec.bit_depth if info.lossless else None
        if fmt in ("dsf", "dff"):
            bit_depth = 1
        technical = {"codec": info.codec, "container": info.container, "sample_rate": rate,
                     "bit_depth": bit_depth, "channels": channels, "lossless": info.lossless}
        if fmt == "wma":
            technical["bit_depth"] = None
        self.manifest.files[rel] = ExpectedFile(
            relative_path=rel, format=fmt, technical=technical, duration=spec.duration,
            duration_tolerance=info.duration_tolerance, tags=dict(expect or {}), cover=cover,
            audio_group=audio_group or f"{fmt}:{spec!r}")
        return path

    def problem(self, rel: str, kind: str, reason: str = "", skip: str | None = None) -> Path:
        self.manifest.problems[rel] = ExpectedProblem(rel, kind, reason, skip)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


_FULL_TAGS: dict[str, Any] = {
    "album": "Every Format",
    "albumartist": "Test Artist",
    "artist": "Test Artist",
    "tracktotal": "30",
    "discnumber": "1",
    "disctotal": "1",
    "date": "2001-03-04",
    "originaldate": "1999-12-31",
    "genre": ["Electronic", "Ambient"],
    "composer": "Test Composer",
    "label": "Test Label",
    "isrc": "USABC0100001",
    "musicbrainz_albumid": _mbid(1, 2),
    "musicbrainz_releasegroupid": _mbid(1, 3),
    "musicbrainz_artistid": _mbid(1, 4),
    "musicbrainz_albumartistid": _mbid(1, 4),
    "replaygain_track_gain": "-6.54 dB",
    "replaygain_track_peak": "0.988",
    "replaygain_album_gain": "-7.01 dB",
    "replaygain_album_peak": "1.000000",
    "lyrics": "First line\nSecond line",
}


def _expected_full(n: int, title: str, *, lyrics: bool = True, originaldate: str | None = "1999-12-31",
                   release_track: bool = True, genres: tuple[str, ...] = ("Electronic", "Ambient")) -> dict[str, Any]:
    return {
        "title": title, "artist": "Test Artist", "artists": ("Test Artist",), "album": "Every Format",
        "album_artist": "Test Artist", "album_artists": ("Test Artist",), "compilation": False,
        "track_number": n, "track_total": 30, "disc_number": 1, "disc_total": 1, "date": "2001-03-04",
        "original_date": originaldate, "year": 2001, "genres": genres,
        "composers": ("Test Composer",), "labels": ("Test Label",), "isrc": "USABC0100001",
        "musicbrainz_recording_id": _mbid(n, 1),
        "musicbrainz_track_id": _mbid(n, 5) if release_track else None,
        "musicbrainz_release_id": _mbid(1, 2), "musicbrainz_release_group_id": _mbid(1, 3),
        "musicbrainz_artist_ids": (_mbid(1, 4),), "musicbrainz_album_artist_ids": (_mbid(1, 4),),
        "replaygain": {"track_gain": -6.54, "track_peak": 0.988, "album_gain": -7.01, "album_peak": 1.0},
        "lyrics": "First line\nSecond line" if lyrics else None, "guessed": False,
    }


def build_library(root: str | os.PathLike[str]) -> LibraryManifest:
    """Write a realistic test library under ``root`` and return what a scanner must find.

    Contents (all audio ≤ 0.5 s; about 75 files, under 2 MB, written in about a second):

    * ``Test Artist/Every Format (2001)/``: one fully tagged track per format of
      :data:`FORMATS` that carries tags (title, artist, album, album artist, track and
      disc numbers with totals, date, original date, two genres, composer, label, ISRC,
      MusicBrainz ids, ReplayGain, lyrics), plus MP3 in ID3v2.3 (TYER+TDAT), ID3v1,
      APEv2 and ID3v2.4+APEv2 flavours and WAV with RIFF INFO; raw AAC and AC-3, which
      carry no tags, are untagged there.
    * ``Multi/``: multi-valued artists written as real multi-values, as an ARTISTS tag,
      with ";", " / " and NUL separators; names that must not be split ("Simon &
      Garfunkel", "AC/DC", "A feat. B"); ID3v1 numeric genre; RVA2 ReplayGain;
      label in ORGANIZATION.
    * ``Various Artists/Now Hear This/``: a compilation (TCMP, cpil, COMPILATION).
    * ``Second Artist/Double Album/CD1`` and ``CD2``: a two-disc album.
    * Unicode: ``坂本龍一/戦場のメリークリスマス``, ``Кино/Группа крови``, ``Björk/Homogénic``.
    * Covers: front and back embedded (front must win), folder covers with upper-case
      names, a broken embedded cover (falls back to the folder), a broken folder
      cover beside a good one.
    * ``Untagged Artist/Untagged Album/``, ``Other Artist - Other Album/``, a disc
      folder: untagged files whose title, artist and album come from the path.
    * ``Bad/``: zero-byte, truncated (FLAC header, FLAC audio, WAV, MP4, Ogg, MP3),
      not audio, wrong extension (an MP3 named ``.flac``: read, with a note),
      unreadable (mode 000; skipped when running as root), a symlink loop.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    b = _LibraryBuilder(root)
    red = make_image((200, 30, 30))
    blue = make_image((30, 30, 200))
    green_png = make_image((30, 160, 30), fmt="PNG")
    yellow = make_image((220, 200, 20))
    front = Picture(red, 3, "image/jpeg", "front")
    back = Picture(blue, 4, "image/jpeg", "back")

    # ---- every format, fully tagged -------------------------------------------------
    album = "Test Artist/Every Format (2001)"
    tagged = [f for f in FORMATS.values() if f.tags != "none"]
    for n, f in enumerate(tagged, start=1):
        title = f"{f.key.upper()} Track"
        tags = dict(_FULL_TAGS, title=title, tracknumber=str(n), musicbrainz_recordingid=_mbid(n, 1),
                    musicbrainz_trackid=_mbid(n, 5))
        pictures: list[Picture] = [front] if f.key in ("flac", "mp3", "vorbis", "alac", "wavpack", "wma") else []
        spec = AudioSpec(duration=0.2 + 0.01 * n, frequency=220.0 + 20 * n)
        if f.key == "flac":
            spec = replace(spec, bit_depth=24, sample_rate=96000)
        if f.key in ("wav", "alac"):
            spec = replace(spec, bit_depth=24)
        if f.key == "aiff":
            spec = replace(spec, channels=1, sample_rate=48000)
        expect = _expected_full(n, title)
        if f.tags == "riff":
            # WAV gets both an ID3 chunk (full tags) and RIFF INFO (a subset): ID3 wins.
            tags["riff:ISFT"] = "sonantica testing"
            b.add(f"{album}/{n:02d} - {title}.{f.extension}", f.key, spec, tags, pictures, "both", expect,
                  audio_group=f"full-{f.key}")
            continue
        cover = {"source": "embedded", "mime_type": "image/jpeg", "data": red} if pictures else None
        b.add(f"{album}/{n:02d} - {title}.{f.extension}", f.key, spec, tags, pictures, None, expect, cover,
              audio_group=f"full-{f.key}")
    n = len(tagged)
    for style, label in (("id3v23", "ID3v23"), ("id3v24+apev2", "ID3v24+APEv2")):
        n += 1
        title = f"MP3 {label} Track"
        tags = dict(_FULL_TAGS, title=title, tracknumber=str(n), musicbrainz_recordingid=_mbid(n, 1),
                    musicbrainz_trackid=_mbid(n, 5))
        b.add(f"{album}/{n:02d} - {title}.mp3", "mp3", AudioSpec(duration=0.3, frequency=300.0 + n), tags, (),
              style, _expected_full(n, title, genres=("Electronic/Ambient",) if style == "id3v23" else
                                    ("Electronic", "Ambient")),
              audio_group=f"mp3-{style}")
    n += 1
    b.add(f"{album}/{n:02d} - MP3 APEv2 Track.mp3", "mp3", AudioSpec(duration=0.3, frequency=310.0),
          dict(_FULL_TAGS, title="MP3 APEv2 Track", tracknumber=str(n), musicbrainz_recordingid=_mbid(n, 1),
               musicbrainz_trackid=_mbid(n, 5)), (), "apev2", _expected_full(n, "MP3 APEv2 Track"))
    n += 1
    b.add(f"{album}/{n:02d} - MP3 ID3v1 Track.mp3", "mp3", AudioSpec(duration=0.3, frequency=327.0),
          {"title": "MP3 ID3v1 Track", "artist": "Test Artist", "album": "Every Format", "date": "2001",
           "comment": "v1 comment", "tracknumber": str(n), "id3:v1genre": "17"}, (), "id3v1",
          {"title": "MP3 ID3v1 Track", "artist": "Test Artist", "artists": ("Test Artist",),
           "album": "Every Format", "date": "2001", "year": 2001, "track_number": n, "track_total": None,
           "genres": ("Rock",), "guessed": False, "extra": {"comment": "v1 comment"}})
    n += 1
    b.add(f"{album}/{n:02d} - WAV RIFF INFO Track.wav", "wav", AudioSpec(duration=0.2, frequency=330.0),
          {"title": "WAV RIFF INFO Track", "artist": "Test Artist", "album": "Every Format", "date": "2001",
           "genre": "Electronic", "tracknumber": str(n), "comment": "info comment", "composer": "Test Composer"},
          (), "riff",
          {"title": "WAV RIFF INFO Track", "artist": "Test Artist", "artists": ("Test Artist",),
           "album": "Every Format", "date": "2001", "year": 2001, "genres": ("Electronic",),
           "track_number": n, "composers": ("Test Composer",), "guessed": False,
           "extra": {"comment": "info comment"}})
    for fmt in ("adts", "ac3"):
        n += 1
        info = FORMATS[fmt]
        b.add(f"{album}/{n:02d} - Raw {fmt.upper()}.{info.extension}", fmt, AudioSpec(duration=0.3), None, (),
              None, {"title": f"Raw {fmt.upper()}", "artist": "Test Artist", "album": "Every Format",
                     "track_number": n, "year": 2001, "guessed": True})

    # ---- multi-valued artists and other tag quirks -------------------------------------
    multi = "Multi/Artists"
    alice_bob = ("Alice", "Bob")
    b.add(f"{multi}/01 Real Multi.flac", "flac", AudioSpec(frequency=500.0),
          {"title": "Real Multi", "artist": ["Alice", "Bob"], "album": "Artists", "tracknumber": "1"},
          expect={"artist": "Alice; Bob", "artists": alice_bob})
    b.add(f"{multi}/02 ARTISTS tag.flac", "flac", AudioSpec(frequency=510.0),
          {"title": "ARTISTS tag", "artist": "Alice feat. Bob", "artists": ["Alice", "Bob"], "album": "Artists"},
          expect={"artist": "Alice feat. Bob", "artists": alice_bob})
    b.add(f"{multi}/03 Semicolon.mp3", "mp3", AudioSpec(frequency=520.0),
          {"title": "Semicolon", "artist": "Alice; Bob", "album": "Artists", "albumartist": "Alice;Bob"},
          expect={"artist": "Alice; Bob", "artists": alice_bob, "album_artist": "Alice;Bob",
                  "album_artists": alice_bob})
    b.add(f"{multi}/04 Spaced slash.ogg", "vorbis", AudioSpec(frequency=530.0),
          {"title": "Spaced slash", "artist": "Alice / Bob", "album": "Artists"},
          expect={"artist": "Alice / Bob", "artists": alice_bob})
    b.add(f"{multi}/05 Null separated.mp3", "mp3", AudioSpec(frequency=540.0),
          {"title": "Null separated", "artist": ["Alice", "Bob"], "album": "Artists",
           "genre": ["Rock", "Jazz"]}, style="id3v24",
          expect={"artist": "Alice; Bob", "artists": alice_bob, "genres": ("Rock", "Jazz")})
    b.add(f"{multi}/06 Not split.m4a", "aac", AudioSpec(frequency=550.0),
          {"title": "Not split", "artist": "Simon & Garfunkel", "album": "Artists",
           "albumartist": "AC/DC", "composer": "Alice feat. Bob"},
          expect={"artist": "Simon & Garfunkel", "artists": ("Simon & Garfunkel",), "album_artist": "AC/DC",
                  "album_artists": ("AC/DC",), "composers": ("Alice feat. Bob",)})
    b.add(f"{multi}/07 ID3v23 lists.mp3", "mp3", AudioSpec(frequency=560.0),
          {"title": "ID3v23 lists", "artist": "AC/DC", "artists": ["AC", "DC"], "album": "Artists",
           "genre": "(17)", "id3:TORY": "1980"}, style="id3v23",
          expect={"artist": "AC/DC", "artists": ("AC", "DC"), "genres": ("Rock",), "original_date": "1980"})
    from mutagen import id3 as _id3

    b.add(f"{multi}/08 RVA2 and organization.mp3", "mp3", AudioSpec(frequency=570.0),
          {"title": "RVA2", "artist": "Alice", "album": "Artists", "id3:TPUB": "Label One",
           "id3:RVA2track": _id3.RVA2(desc="track", channel=1, gain=-3.5, peak=0.5),
           "id3:RVA2album": _id3.RVA2(desc="album", channel=1, gain=-4.25, peak=0.75)},
          expect={"labels": ("Label One",), "replaygain": {"track_gain": -3.5, "track_peak": 0.5,
                                                           "album_gain": -4.25, "album_peak": 0.75}})
    b.add(f"{multi}/09 Organization.flac", "flac", AudioSpec(frequency=580.0),
          {"title": "Organization", "artist": "Alice", "album": "Artists", "vorbis:ORGANIZATION": "Label Two",
           "vorbis:TOTALTRACKS": "12", "tracknumber": "9", "vorbis:UNSYNCEDLYRICS": "  la la  ",
           "replaygain_track_gain": "+2.10 dB", "vorbis:MOOD": "Calm"},
          expect={"labels": ("Label Two",), "track_number": 9, "track_total": 12, "lyrics": "la la",
                  "replaygain": {"track_gain": 2.1, "track_peak": None, "album_gain": None, "album_peak": None},
                  "extra": {"mood": "Calm"}})
    b.add(f"{multi}/10 Whitespace.opus", "opus", AudioSpec(frequency=590.0),
          {"title": "  Whitespace \x00", "artist": ["Alice", "", "  "], "album": " ", "date": "2004-7-9",
           "tracknumber": "3/12", "discnumber": "0"},
          expect={"title": "Whitespace", "artist": "Alice", "artists": ("Alice",), "album": None,
                  "date": "2004-07-09", "year": 2004, "track_number": 3, "track_total": 12, "disc_number": None})

    # ---- a compilation --------------------------------------------------------------------
    comp = "Various Artists/Now Hear This"
    for i, (fmt, artist) in enumerate((("mp3", "Alice"), ("aac", "Bob"), ("flac", "Carol")), start=1):
        title = f"Hit {i}"
        ext = FORMATS[fmt].extension
        b.add(f"{comp}/{i:02d} - {artist} - {title}.{ext}", fmt, AudioSpec(frequency=600.0 + 10 * i),
              {"title": title, "artist": artist, "album": "Now Hear This", "albumartist": "Various Artists",
               "compilation": True, "tracknumber": str(i), "tracktotal": "3"},
              expect={"title": title, "artist": artist, "album_artist": "Various Artists",
                      "album_artists": ("Various Artists",), "compilation": True, "track_number": i,
                      "track_total": 3})

    # ---- a two-disc album --------------------------------------------------------------------
    for disc in (1, 2):
        for track in (1, 2):
            fmt = "flac" if disc == 1 else "opus"
            ext = FORMATS[fmt].extension
            title = f"Disc {disc} Song {track}"
            b.add(f"Second Artist/Double Album/CD{disc}/{track:02d} - {title}.{ext}", fmt,
                  AudioSpec(frequency=700.0 + 10 * disc + track),
                  {"title": title, "artist": "Second Artist", "album": "Double Album",
                   "albumartist": "Second Artist", "tracknumber": str(track), "tracktotal": "2",
                   "discnumber": str(disc), "disctotal": "2"},
                  expect={"title": title, "album": "Double Album", "disc_number": disc, "disc_total": 2,
                          "track_number": track, "track_total": 2})

    # ---- Unicode -------------------------------------------------------------------------------
    for rel, fmt, tags in (
        ("坂本龍一/戦場のメリークリスマス/01 - 戦場のメリークリスマス.flac", "flac",
         {"title": "戦場のメリークリスマス", "artist": "坂本龍一", "album": "戦場のメリークリスマス",
          "genre": "サウンドトラック"}),
        ("Кино/Группа крови/01 - Группа крови.mp3", "mp3",
         {"title": "Группа крови", "artist": "Кино", "album": "Группа крови"}),
        ("Björk/Homogénic/01 - Jóga.ogg", "vorbis", {"title": "Jóga", "artist": "Björk", "album": "Homogénic"}),
        ("Beyoncé/Café Ñandú/01 - Déjà Vu.m4a", "aac",
         {"title": "Déjà Vu", "artist": "Beyoncé", "album": "Café Ñandú", "albumartist": "Beyoncé"}),
    ):
        expect = {"title": tags["title"], "artist": tags["artist"], "album": tags["album"],
                  "artists": (tags["artist"],)}
        if "genre" in tags:
            expect["genres"] = (tags["genre"],)
        b.add(rel, fmt, AudioSpec(frequency=800.0 + len(b.manifest.files)), tags, expect=expect)

    # ---- covers ---------------------------------------------------------------------------------
    covers = "Cover Artist"
    b.add(f"{covers}/Front Wins/01 - Back First.flac", "flac", AudioSpec(frequency=900.0),
          {"title": "Back First", "artist": "Cover Artist", "album": "Front Wins"}, [back, front],
          cover={"source": "embedded", "mime_type": "image/jpeg", "data": red})
    b.add(f"{covers}/Front Wins/02 - Only Back.mp3", "mp3", AudioSpec(frequency=905.0),
          {"title": "Only Back", "artist": "Cover Artist", "album": "Front Wins"}, [back],
          cover={"source": "embedded", "mime_type": "image/jpeg", "data": blue})
    b.add(f"{covers}/Front Wins/03 - PNG in MP4.m4a", "alac", AudioSpec(frequency=910.0),
          {"title": "PNG in MP4", "artist": "Cover Artist", "album": "Front Wins"},
          [Picture(green_png, 3, "image/jpeg")],  # declared wrong on purpose: sniffed from bytes
          cover={"source": "embedded", "mime_type": "image/png", "data": green_png})
    b.add(f"{covers}/Front Wins/04 - Ogg Picture.opus", "opus", AudioSpec(frequency=915.0),
          {"title": "Ogg Picture", "artist": "Cover Artist", "album": "Front Wins"}, [front],
          cover={"source": "embedded", "mime_type": "image/jpeg", "data": red})
    b.add(f"{covers}/Front Wins/05 - APE Picture.ape", "ape", AudioSpec(frequency=920.0),
          {"title": "APE Picture", "artist": "Cover Artist", "album": "Front Wins"}, [back, front],
          cover={"source": "embedded", "mime_type": "image/jpeg", "data": red})
    folder = f"{covers}/Folder Cover"
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / "Cover.JPG").write_bytes(yellow)
    (root / folder / "back.jpg").write_bytes(blue)
    b.add(f"{folder}/01 - Beside.flac", "flac", AudioSpec(frequency=930.0),
          {"title": "Beside", "artist": "Cover Artist", "album": "Folder Cover"},
          cover={"source": "folder", "mime_type": "image/jpeg", "data": yellow, "path": f"{folder}/Cover.JPG"})
    b.add(f"{folder}/02 - Broken Embedded.mp3", "mp3", AudioSpec(frequency=935.0),
          {"title": "Broken Embedded", "artist": "Cover Artist", "album": "Folder Cover"},
          [Picture(b"\xff\xd8\xff\xe0 this is not a jpeg", 3)],
          cover={"source": "folder", "mime_type": "image/jpeg", "data": yellow, "path": f"{folder}/Cover.JPG"})
    broken = f"{covers}/Broken Folder Cover"
    (root / broken).mkdir(parents=True, exist_ok=True)
    (root / broken / "cover.jpg").write_bytes(red[: len(red) // 2])  # truncated JPEG
    (root / broken / "FOLDER.png").write_bytes(green_png)
    b.add(f"{broken}/01 - Next Candidate.flac", "flac", AudioSpec(frequency=940.0),
          {"title": "Next Candidate", "artist": "Cover Artist", "album": "Broken Folder Cover"},
          cover={"source": "folder", "mime_type": "image/png", "data": green_png,
                 "path": f"{broken}/FOLDER.png"})

    # ---- untagged ---------------------------------------------------------------------------------
    b.add("Untagged Artist/Untagged Album/01 - First Song.flac", "flac", AudioSpec(frequency=1000.0),
          expect={"title": "First Song", "artist": "Untagged Artist", "artists": ("Untagged Artist",),
                  "album": "Untagged Album", "track_number": 1, "guessed": True})
    b.add("Untagged Artist/Untagged Album/02. Second_Song.mp3", "mp3", AudioSpec(frequency=1010.0),
          expect={"title": "Second Song", "artist": "Untagged Artist", "album": "Untagged Album",
                  "track_number": 2, "guessed": True})
    b.add("Other Artist - Other Album (1998)/03 Third Song.ogg", "vorbis", AudioSpec(frequency=1020.0),
          expect={"title": "Third Song", "artist": "Other Artist", "album": "Other Album", "year": 1998,
                  "track_number": 3, "guessed": True})
    b.add("Untagged Artist/Boxed Set/Disc 2/2-04 Fourth Song.wav", "wav", AudioSpec(frequency=1030.0),
          expect={"title": "Fourth Song", "artist": "Untagged Artist", "album": "Boxed Set", "disc_number": 2,
                  "track_number": 4, "guessed": True})
    b.add("Untagged Artist/Untagged Album/Only Title Tag.flac", "flac", AudioSpec(frequency=1040.0),
          {"title": "Tagged Title"},
          expect={"title": "Tagged Title", "artist": "Untagged Artist", "album": "Untagged Album",
                  "guessed": True})

    # ---- bad files -------------------------------------------------------------------------------
    bad = "Bad"
    b.problem(f"{bad}/empty.flac", "empty", "zero-byte").write_bytes(b"")
    good_flac = write_audio(root / ".tmp" / "good.flac", "flac", AudioSpec(duration=0.5, frequency=1100.0),
                            {"title": "x" * 64, "artist": "y"})
    flac_bytes = good_flac.read_bytes()
    b.problem(f"{bad}/truncated-header.flac", "corrupt", "FLAC").write_bytes(flac_bytes[:30])
    b.problem(f"{bad}/truncated-audio.flac", "corrupt", "truncated").write_bytes(
        flac_bytes[: len(flac_bytes) * 2 // 3])
    wav = write_audio(root / ".tmp" / "good.wav", "wav", AudioSpec(duration=0.3)).read_bytes()
    b.problem(f"{bad}/truncated.wav", "corrupt", "truncated").write_bytes(wav[: len(wav) // 2])
    m4a = write_audio(root / ".tmp" / "good.m4a", "aac", AudioSpec(duration=0.3)).read_bytes()
    b.problem(f"{bad}/truncated.m4a", "corrupt", "").write_bytes(m4a[: len(m4a) // 2])
    ogg = write_audio(root / ".tmp" / "good.ogg", "vorbis", AudioSpec(duration=0.5)).read_bytes()
    b.problem(f"{bad}/truncated.ogg", "corrupt", "truncated").write_bytes(ogg[: len(ogg) - 300])
    mp3 = write_audio(root / ".tmp" / "good.mp3", "mp3", AudioSpec(duration=0.5), {"title": "Cut"}).read_bytes()
    b.problem(f"{bad}/truncated.mp3", "corrupt", "truncated").write_bytes(mp3[: len(mp3) // 2])
    b.problem(f"{bad}/not audio.mp3", "corrupt", "").write_bytes(b"This is a text file, not music.\n" * 20)
    b.problem(f"{bad}/random.flac", "corrupt", "").write_bytes(
        np.random.default_rng(7).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    # An MP3 named .flac: read correctly, with a note.
    b.add(f"{bad}/mp3 named.flac", "mp3", AudioSpec(frequency=1200.0), {"title": "Wrong Extension", "artist": "Bad"},
          expect={"title": "Wrong Extension", "extra": {"wrong_extension": "mp3 content in a .flac file"}})
    unreadable = b.problem(f"{bad}/unreadable.flac", "unreadable", "permission")
    unreadable.write_bytes(flac_bytes)
    unreadable.chmod(0)
    if not permissions_enforced(root / bad):
        b.manifest.problems[f"{bad}/unreadable.flac"].skip_reason = (
            "file permissions are not enforced for this user (running as root)")
    loop_a, loop_b = root / bad / "loop-a.flac", root / bad / "loop-b.flac"
    b.problem(f"{bad}/loop-a.flac", "loop", "loop")
    b.problem(f"{bad}/loop-b.flac", "loop", "loop")
    loop_a.symlink_to("loop-b.flac")
    loop_b.symlink_to("loop-a.flac")
    shutil.rmtree(root / ".tmp")
    return b.manifest


def iter_files(manifest: LibraryManifest) -> Iterable[ExpectedFile]:
    """The good files of ``manifest``, sorted by path."""
    return (manifest.files[k] for k in sorted(manifest.files))
