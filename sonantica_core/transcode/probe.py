"""The source's audio properties (codec, rate, channels, depth, bitrate, duration) from its header."""

from __future__ import annotations

import os

import av

from .errors import SourceUnreadable
from .plan import SourceInfo

__all__ = ["probe_source"]

#: Decoder names → the codec they decode.
_CODEC = {"mp3float": "mp3", "mp3": "mp3", "aac_fixed": "aac", "libopus": "opus", "libvorbis": "vorbis"}
_BITS = {"u8": 8, "u8p": 8, "s16": 16, "s16p": 16, "s32": 32, "s32p": 32, "flt": 32, "fltp": 32, "dbl": 64}


def probe_source(path: str) -> SourceInfo:
    """Probe ``path`` (blocking: call it in a thread). Raises :class:`SourceUnreadable`."""
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise SourceUnreadable("the file has no audio stream")
            stream = container.streams.audio[0]
            cc = stream.codec_context
            if not cc.sample_rate or not cc.channels:
                raise SourceUnreadable("the file holds no decodable audio")
            duration = 0.0
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            kbps = (cc.bit_rate or 0) // 1000
            if not kbps and duration > 0:
                kbps = int(os.path.getsize(path) * 8 / duration / 1000)
            bits = cc.bits_per_raw_sample if getattr(cc, "bits_per_raw_sample", 0) else 0
            if not bits:
                bits = (
                    24
                    if cc.format is not None and cc.format.name in ("s32", "s32p")
                    else _BITS.get(cc.format.name if cc.format is not None else "", 16)
                )
            codec = _CODEC.get(cc.name, cc.name)
            return SourceInfo(
                codec=codec,
                sample_rate=cc.sample_rate,
                channels=cc.channels,
                bits=bits if codec in ("flac", "alac", "pcm_s16le", "pcm_s24le", "wavpack") else 16,
                kbps=kbps,
                duration=duration,
            )
    except av.error.FFmpegError as exc:
        raise SourceUnreadable(f"the file cannot be read as audio ({exc.strerror or exc})") from None
