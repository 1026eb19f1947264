"""The output formats: codec, container, Content-Type, rates and bitrates each allows.

AAC is sent as **ADTS** (``audio/aac``), not MP4: every ADTS frame carries its own header, so
the stream needs no index written at the end (an MP4 needs its ``moov``, a fragmented MP4 a
header per fragment and ``mfra`` for seeking), a client can start decoding at any byte (a Range
request into a running transcode plays from the next frame), and Chromium, Firefox, Safari,
Android's MediaPlayer and ffmpeg play it. The same is true of Ogg pages (Opus), MP3 frames and
FLAC frames, so every output here is written strictly in order, never patched afterwards: the
bytes a listener got while a transcode ran are the bytes of the cached file.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMATS", "OutputFormat", "format_named"]


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """One output: what it is called, how it is encoded and sent."""

    name: str
    codec: str
    container: str
    content_type: str
    extension: str
    #: Sample formats the encoder takes, preferred first.
    sample_formats: tuple[str, ...]
    #: Sample rates the encoder takes (empty: any).
    rates: tuple[int, ...]
    #: kbit/s: the default, and the range a request may ask for (0, 0 for lossless).
    default_bitrate: int
    min_bitrate: int
    max_bitrate: int
    lossless: bool = False
    #: Source codecs this format is (a source in one of them may be sent as it is).
    source_codecs: tuple[str, ...] = ()


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat(
            "opus",
            "libopus",
            "ogg",
            "audio/ogg",
            "opus",
            ("flt", "s16"),
            (48_000,),
            128,
            6,
            510,
            source_codecs=("opus",),
        ),
        OutputFormat(
            "mp3",
            "libmp3lame",
            "mp3",
            "audio/mpeg",
            "mp3",
            ("fltp", "s16p", "s32p"),
            (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000),
            0,
            32,
            320,
            source_codecs=("mp3",),
        ),
        OutputFormat(
            "aac",
            "aac",
            "adts",
            "audio/aac",
            "aac",
            ("fltp",),
            (8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 64_000, 88_200, 96_000),
            192,
            32,
            512,
            source_codecs=("aac",),
        ),
        OutputFormat(
            "flac",
            "flac",
            "flac",
            "audio/flac",
            "flac",
            ("s16", "s32"),
            (),
            0,
            0,
            0,
            lossless=True,
            source_codecs=("flac",),
        ),
    )
}
#: Names clients use for the same formats.
ALIASES = {"ogg": "opus", "m4a": "aac", "adts": "aac", "mpeg": "mp3"}


def format_named(name: str) -> OutputFormat | None:
    """The format called ``name`` (or an alias of it, case-insensitive), or None."""
    key = name.strip().lower()
    return FORMATS.get(ALIASES.get(key, key))
