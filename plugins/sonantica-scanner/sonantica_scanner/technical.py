"""The technical description of a file's audio stream (:class:`TechnicalInfo`).

Values come from mutagen's stream info, completed by what the container walkers
saw (:class:`~sonantica_scanner.layout.Layout` facts): the WAV format tag, the
AIFF-C compression type, WavPack's hybrid/float/DSD flags, True Audio's header.
Bit depth is reported for lossless codecs only (None for MP3, AAC, Vorbis,
Opus...); DSD reports 1. Bit rate is mutagen's when known, else the payload size
over the duration.
"""

from __future__ import annotations

from typing import Any

from sonantica_core.contract import TechnicalInfo
from sonantica_scanner.layout import Layout

_MP4_CODECS = {
    "mp4a.40": "aac", "mp4a.66": "aac", "mp4a.67": "aac", "mp4a.68": "aac", "mp4a.69": "mp3", "mp4a.6b": "mp3",
    "mp4a.a5": "ac3", "mp4a.a6": "eac3", "alac": "alac", "ac-3": "ac3", "ec-3": "eac3", "flac": "flac",
    "opus": "opus", "mp4a": "aac",
}
_LOSSLESS_CODECS = frozenset({"flac", "alac", "pcm", "pcm_float", "wavpack", "ape", "dsd", "dst", "tta", "tak",
                              "optimfrog", "wmalossless"})
_WAV_CODECS = {1: "pcm", 3: "pcm_float", 6: "alaw", 7: "mulaw", 2: "adpcm", 0x11: "adpcm", 0x55: "mp3",
               0x50: "mp2", 0x2000: "ac3", 0xFF: "aac", 0x1610: "aac"}
_AIFC_CODECS = {b"NONE": "pcm", b"none": "pcm", b"twos": "pcm", b"sowt": "pcm", b"raw ": "pcm",
                b"fl32": "pcm_float", b"FL32": "pcm_float", b"fl64": "pcm_float", b"FL64": "pcm_float",
                b"ulaw": "mulaw", b"ULAW": "mulaw", b"alaw": "alaw", b"ALAW": "alaw", b"ima4": "adpcm"}


_SIMPLE = {"flac": ("flac", "flac"), "ape": ("ape", "ape"), "tta": ("tta", "tta"), "mpc": ("musepack", "mpc"),
           "tak": ("tak", "tak"), "ofr": ("optimfrog", "ofr")}


def _positive(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number > 0 else None


def _codec_and_container(key: str, info: Any, layout: Layout, wvc: bool) -> tuple[str, str, bool | None]:
    """(codec, container, lossless override or None)."""
    facts = layout.facts
    if key == "mp3":
        layer = getattr(info, "layer", 3)
        name = {1: "mp1", 2: "mp2"}.get(layer, "mp3")
        return name, name, None
    if key.startswith("ogg-"):
        return {"ogg-vorbis": "vorbis", "ogg-opus": "opus", "ogg-flac": "flac", "ogg-speex": "speex"}[key], "ogg", None
    if key == "mp4":
        raw = str(getattr(info, "codec", "") or "").lower()
        codec = _MP4_CODECS.get(raw) or _MP4_CODECS.get(raw[:7]) or raw or "unknown"
        return codec, "mp4", None
    if key == "wav":
        return _WAV_CODECS.get(facts.get("wav_format", 1), "unknown"), "wav", None
    if key == "aiff":
        return _AIFC_CODECS.get(facts.get("aiff_compression", b"NONE"), "pcm"), "aiff", None
    if key == "wavpack":
        return "wavpack", "wv", (not facts.get("hybrid")) or wvc
    if key == "dsf":
        return "dsd", "dsf", None
    if key == "dff":
        return ("dst" if facts.get("dff_compressed") else "dsd"), "dff", None
    if key == "asf":
        text = f"{getattr(info, 'codec_name', '')} {getattr(info, 'codec_type', '')}".lower()
        if "lossless" in text:
            return "wmalossless", "asf", None
        if "voice" in text:
            return "wmavoice", "asf", None
        if "pro" in text:
            return "wmapro", "asf", None
        return "wma", "asf", None
    if key == "ac3":
        return ("eac3" if getattr(info, "codec", "") == "ec-3" else "ac3"), "ac3", None
    if key == "aac":
        return "aac", "adts", None
    codec, container = _SIMPLE.get(key, (key, key))
    return codec, container, None


def technical_info(key: str, info: Any, layout: Layout, *, wvc: bool = False) -> TechnicalInfo:
    """Build :class:`TechnicalInfo` for format ``key`` from mutagen's ``info`` and ``layout``.

    ``wvc``: a WavPack correction file (``.wvc``) sits beside the file, which makes
    a hybrid WavPack lossless.
    """
    codec, container, lossless = _codec_and_container(key, info, layout, wvc)
    if lossless is None:
        lossless = codec in _LOSSLESS_CODECS
    facts = layout.facts

    sample_rate = _positive(getattr(info, "sample_rate", None))
    if key == "ogg-opus":
        sample_rate = 48000  # Opus always decodes at 48 kHz
    channels = _positive(facts.get("channels")) or _positive(getattr(info, "channels", None))
    bit_depth: int | None = None
    if lossless:
        if codec in ("dsd", "dst") or (key == "wavpack" and facts.get("dsd")):
            bit_depth = 1
        elif key == "wavpack" and facts.get("float"):
            bit_depth = 32
        else:
            bit_depth = (_positive(facts.get("bits")) or _positive(getattr(info, "bits_per_sample", None)))
    duration = getattr(info, "length", None)
    try:
        duration = float(duration) if duration is not None and float(duration) > 0 else None
    except (TypeError, ValueError, OverflowError):
        duration = None
    bitrate = _positive(getattr(info, "bitrate", None))
    if bitrate is None and duration:
        bitrate = _positive(round(layout.payload_size * 8 / duration))
    return TechnicalInfo(
        codec=codec,
        container=container,
        sample_rate=sample_rate,
        bit_depth=bit_depth,
        channels=channels,
        bitrate=bitrate,
        duration=duration,
        lossless=bool(lossless),
    )
