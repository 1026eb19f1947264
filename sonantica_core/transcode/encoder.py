"""The PyAV pipeline: demux → decode → exact start → resample → gain → encode → mux, in order.

It runs in a worker thread (:mod:`.job`) and writes through a non-seekable sink, so no muxer
goes back to patch a header: the bytes are final as they are written. Between packets it checks
``cancelled`` (a packet is a few milliseconds of work), so a cancel takes effect at once.

**Exact start.** ``offset`` seeks the demuxer to the frame at or before it, then drops the
decoded samples before ``round(offset × rate)``: for a lossless source the first sample out is
the source's sample at ``offset`` (before resampling); for a lossy one it is as exact as the
decoder's timestamps.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from .errors import SourceUnreadable, TranscodeError
from .gain import apply_gain
from .plan import Plan

__all__ = ["Cancelled", "EncodeResult", "Sink", "encode"]


class Cancelled(TranscodeError):
    """The transcode was stopped (its listeners went away)."""


@dataclass(frozen=True, slots=True)
class EncodeResult:
    """What was made: samples out at the output rate, and their duration."""

    samples: int
    rate: int

    @property
    def duration(self) -> float:
        return self.samples / self.rate if self.rate else 0.0


class Sink:
    """A write-only, non-seekable file for PyAV's muxer: hands each block to ``write_bytes``."""

    def __init__(self, write_bytes: Callable[[bytes], None]) -> None:
        self._write = write_bytes

    def write(self, data: bytes | memoryview) -> int:
        self._write(bytes(data))
        return len(data)

    def seekable(self) -> bool:  # PyAV then never seeks: no header is rewritten
        return False


def _trimmed(frame: av.AudioFrame, drop: int) -> av.AudioFrame:
    """``frame`` without its first ``drop`` samples."""
    array = frame.to_ndarray()
    channels = len(frame.layout.channels)
    array = array[:, drop:] if frame.format.is_planar else array[:, drop * channels :]
    out = av.AudioFrame.from_ndarray(np.ascontiguousarray(array), format=frame.format.name, layout=frame.layout.name)
    out.sample_rate = frame.sample_rate
    return out


def _with_gain(frame: av.AudioFrame, factor: float) -> av.AudioFrame:
    out = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(apply_gain(frame.to_ndarray(), factor)),
        format=frame.format.name,
        layout=frame.layout.name,
    )
    out.sample_rate = frame.sample_rate
    return out


def _open_output(sink: Sink, plan: Plan) -> tuple[av.container.OutputContainer, av.audio.stream.AudioStream, str]:
    fmt = plan.format
    out = av.open(sink, "w", format=fmt.container, container_options={"fflags": "+bitexact"}, buffer_size=16384)
    stream = out.add_stream(fmt.codec, rate=plan.rate)
    cc = stream.codec_context
    cc.layout = "mono" if plan.channels == 1 else "stereo"
    sample_format = fmt.sample_formats[0]
    if fmt.lossless:
        sample_format = "s16" if plan.bits <= 16 else "s32"
    cc.format = sample_format
    cc.sample_rate = plan.rate
    cc.time_base = Fraction(1, plan.rate)
    if fmt.name == "mp3" and plan.kbps == 0:
        cc.qscale = True  # VBR: libmp3lame reads the quality (0 = V0) from global_quality
        cc.global_quality = 0
    elif plan.kbps:
        cc.bit_rate = plan.kbps * 1000
    cc.flags |= av.codec.context.Flags.bitexact
    return out, stream, sample_format


def encode(path: str, plan: Plan, sink: Sink, cancelled: threading.Event) -> EncodeResult:
    """Transcode ``path`` as ``plan`` says into ``sink`` (blocking).

    Raises :class:`Cancelled` when ``cancelled`` is set, :class:`SourceUnreadable` when the
    source cannot be opened or stops decoding part way (the output so far stays valid)."""
    try:
        source = av.open(path, metadata_errors="ignore", options={"err_detect": "crccheck+explode"})
    except av.error.FFmpegError as exc:
        raise SourceUnreadable(f"the file cannot be opened ({exc.strerror or exc})") from None
    position = 0.0
    try:
        if not source.streams.audio:
            raise SourceUnreadable("the file has no audio stream")
        stream = source.streams.audio[0]
        out, ostream, sample_format = _open_output(sink, plan)
        try:
            layout = "mono" if plan.channels == 1 else "stereo"
            resampler = av.AudioResampler(format=sample_format, layout=layout, rate=plan.rate)
            frame_size = ostream.codec_context.frame_size or 4608
            fifo = av.AudioFifo()
            written = 0
            time_base = stream.time_base or Fraction(1, stream.codec_context.sample_rate)
            target = plan.offset
            expected: float | None = None
            if target > 0:
                source.seek(int(target / time_base), stream=stream, backward=True)

            def emit(frame: av.AudioFrame | None) -> None:
                nonlocal written
                if frame is not None:
                    frame.pts = written
                    frame.time_base = Fraction(1, plan.rate)
                    written += frame.samples
                for packet in ostream.encode(frame):
                    out.mux(packet)

            def feed(frames: list[av.AudioFrame]) -> None:
                for resampled in frames:
                    if plan.gain != 1.0:
                        resampled = _with_gain(resampled, plan.gain)
                    resampled.pts = None
                    fifo.write(resampled)
                    while fifo.samples >= frame_size:
                        emit(fifo.read(frame_size))

            try:
                for packet in source.demux(stream):
                    if cancelled.is_set():
                        raise Cancelled("stopped")
                    for frame in packet.decode():
                        expected = _check_continuity(frame, time_base, expected)
                        if target > 0:
                            start = float(frame.pts * time_base) if frame.pts is not None else target
                            drop = round((target - start) * frame.sample_rate)
                            if drop >= frame.samples:
                                continue
                            target = 0.0
                            if drop > 0:
                                frame = _trimmed(frame, drop)
                        if frame.pts is not None:
                            position = float(frame.pts * time_base)
                        frame.pts = None
                        feed(resampler.resample(frame))
            except av.error.FFmpegError as exc:
                raise SourceUnreadable(f"decoding stopped at {position:.1f} s: {exc.strerror or exc}") from None
            finally:
                if not cancelled.is_set():
                    feed(resampler.resample(None))
                    if fifo.samples:
                        emit(fifo.read())
                    emit(None)
        finally:
            if cancelled.is_set():
                _close_quietly(out)
            else:
                out.close()
        return EncodeResult(written, plan.rate)
    finally:
        source.close()


def _check_continuity(frame: av.AudioFrame, time_base: Fraction, expected: float | None) -> float | None:
    """Where the next frame should start (seconds); :class:`SourceUnreadable` when the source
    skips: its timestamps vanish or jump (the demuxer lost sync on damaged data and resumed
    further on), which a decoder would otherwise play past in silence."""
    if frame.pts is None:
        if expected is not None:
            raise SourceUnreadable(f"the file is damaged at {expected:.1f} s (its frames lost their timing)")
        return None
    start = float(frame.pts * time_base)
    slack = max(frame.samples, 1) / frame.sample_rate
    if expected is not None and abs(start - expected) > slack:
        raise SourceUnreadable(f"the file is damaged at {expected:.1f} s (audio is missing after it)")
    return start + frame.samples / frame.sample_rate


def _close_quietly(out: av.container.OutputContainer) -> None:
    with contextlib.suppress(av.error.FFmpegError, TranscodeError, OSError):
        out.close()
