"""Streaming decoder: one pass over a file with PyAV, in fixed-size blocks.

Every format FFmpeg decodes is accepted (FLAC, MP3, Ogg Vorbis/Opus, M4A AAC/ALAC,
WAV, AIFF, WavPack, APE, DSF, ...). Samples come out as ``float32`` arrays of shape
``(frames, channels)`` at the stream's native rate and channel layout; memory held
is one block plus one decoded frame, whatever the length of the file.

A file that decodes for part of its length (an interrupted download, a truncated
transfer, a tail of zeros where the rest never arrived) yields what decodes: once
audio has come out, an error from the demuxer or a run of corrupt packets ends the
stream instead of failing it, and :attr:`AudioDecoder.partial` says why. A stream
that ends well short of the length its container states is marked partial too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from .convert import frame_to_array
from .errors import AudioDecodeError
from .layouts import default_layout

#: A file is refused (or, after some audio, ended) after this many packets in a row fail to decode.
MAX_CONSECUTIVE_BAD_PACKETS = 32
#: A stream this much shorter than its stated duration (both bounds) is partial.
SHORT_BY_SECONDS = 2.0
SHORT_BY_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class StreamFormat:
    """The decoded form of a file's first audio stream."""

    sample_rate: int
    channels: int
    layout: str  # FFmpeg's name: "mono", "stereo", "5.1", "5.1(side)", ...
    channel_names: tuple[str, ...]  # FFmpeg's names, in sample order: "FL", "FR", "FC", "LFE", ...
    codec: str
    container: str
    duration: float | None  # seconds, as the container states it


@dataclass(slots=True)
class DecodeStats:
    """Counters filled while decoding (for tests and benchmarks)."""

    frames: int = 0  # audio frames (samples per channel) decoded
    blocks: int = 0
    bad_packets: int = 0
    #: Largest number of frames held at once while assembling blocks.
    max_buffered_frames: int = 0
    #: Frames decoded before the stream broke off (``None`` when it did not).
    frames_before_error: int | None = None


class AudioDecoder:
    """Decodes one file once, block by block.

    Opening primes the decoder with its first frame, so :attr:`format` describes
    the audio actually decoded rather than what the header claims. Raises
    :class:`AudioDecodeError` for anything that is not decodable audio.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.stats = DecodeStats()
        #: Why the stream ended early (an error after some audio); see :attr:`partial`.
        self.broken_off: str | None = None
        self._decoded_any = False
        try:
            self._container = av.open(str(self.path), mode="r")
        except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
            raise AudioDecodeError(self.path, f"cannot open: {_describe(exc)}") from exc
        try:
            if not self._container.streams.audio:
                raise AudioDecodeError(self.path, "no audio stream")
            self._stream = self._container.streams.audio[0]
            self._packets = self._container.demux(self._stream)
            self._pending = self._decode_frames()
            first = next(self._pending, None)
        except AudioDecodeError:
            self.close()
            raise
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self.close()
            raise AudioDecodeError(self.path, f"cannot decode: {_describe(exc)}") from exc
        if first is None:
            self.close()
            raise AudioDecodeError(self.path, "no decodable audio")
        self._first: av.AudioFrame | None = first
        self._converter: av.AudioResampler | None = None
        layout = first.layout
        self._raw_layout = layout.name
        if any(c.name == "NONE" for c in layout.channels):
            # Unspecified channel order (a WAV without a channel mask): FFmpeg's default.
            layout = av.AudioLayout(default_layout(len(layout.channels)))
        self.format = StreamFormat(
            sample_rate=int(first.sample_rate),
            channels=len(layout.channels),
            layout=layout.name,
            channel_names=tuple(c.name for c in layout.channels),
            codec=self._stream.codec_context.name,
            container=self._container.format.name,
            duration=self._duration(),
        )

    def _duration(self) -> float | None:
        stream = self._stream
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if self._container.duration is not None:
            return self._container.duration / av.time_base
        return None

    def _decode_frames(self) -> Iterator[av.AudioFrame]:
        """Decoded frames in order, skipping isolated corrupt packets.

        After the first decoded frame, an error of the demuxer or more than
        ``MAX_CONSECUTIVE_BAD_PACKETS`` corrupt packets in a row end the stream
        (recorded in :attr:`broken_off`); before it, they refuse the file.
        """
        bad_in_a_row = 0
        while True:
            try:
                packet = next(self._packets, None)
            except (av.error.FFmpegError, OSError) as exc:
                if self._break_off(f"cannot read further: {_describe(exc)}"):
                    return
                raise AudioDecodeError(self.path, f"cannot decode: {_describe(exc)}") from exc
            if packet is None:
                return
            try:
                frames = packet.decode()
            except av.error.FFmpegError as exc:
                self.stats.bad_packets += 1
                bad_in_a_row += 1
                if bad_in_a_row > MAX_CONSECUTIVE_BAD_PACKETS:
                    if self._break_off(f"corrupt audio data: {_describe(exc)}"):
                        return
                    raise AudioDecodeError(self.path, f"corrupt audio data: {_describe(exc)}") from exc
                continue
            bad_in_a_row = 0
            for frame in frames:
                self._decoded_any = True
                yield frame

    def _break_off(self, reason: str) -> bool:
        """Record that the stream ends here; False when nothing has decoded yet."""
        if not self._decoded_any:
            return False
        self.broken_off = reason
        self.stats.frames_before_error = self.stats.frames
        return True

    @property
    def partial(self) -> str | None:
        """Why only part of the file was decoded, once :meth:`blocks` is exhausted; None if all was."""
        decoded = self.stats.frames / self.format.sample_rate
        stated = self.format.duration
        if self.broken_off is not None:
            return f"decoded {decoded:.1f} s, then {self.broken_off}"
        if stated is not None and stated - decoded > max(SHORT_BY_SECONDS, SHORT_BY_SHARE * stated):
            return f"decoded {decoded:.1f} s of the {stated:.1f} s the file states"
        return None

    def _same_format(self, frame: av.AudioFrame) -> bool:
        return (
            frame.sample_rate == self.format.sample_rate
            and len(frame.layout.channels) == self.format.channels
            and frame.layout.name == self._raw_layout
        )

    def _arrays(self) -> Iterator[np.ndarray]:
        """Every decoded frame as float32 (frames, channels) in the first frame's format.

        A stream that changes rate or layout midway (chained Ogg, some MP3 and
        broadcast files) is converted back to the first frame's format.
        """
        frames = self._pending
        if self._first is not None:
            first, self._first = self._first, None
            yield frame_to_array(first)
        try:
            for frame in frames:
                if self._same_format(frame) and self._converter is None:
                    yield frame_to_array(frame)
                    continue
                if self._converter is None:
                    self._converter = av.AudioResampler(
                        format="fltp", layout=self.format.layout, rate=self.format.sample_rate
                    )
                frame.pts = None
                for converted in self._converter.resample(frame):
                    yield frame_to_array(converted)
            if self._converter is not None:
                for converted in self._converter.resample(None):
                    yield frame_to_array(converted)
        except (av.error.FFmpegError, OSError) as exc:
            raise AudioDecodeError(self.path, f"cannot decode: {_describe(exc)}") from exc

    def blocks(self, block_frames: int) -> Iterator[np.ndarray]:
        """Yield the whole stream as float32 ``(frames, channels)`` blocks.

        Every block but the last has exactly ``block_frames`` frames.
        """
        if block_frames <= 0:
            raise ValueError("block_frames must be positive")
        stats = self.stats
        parts: list[np.ndarray] = []
        held = 0
        for array in self._arrays():
            stats.frames += len(array)
            parts.append(array)
            held += len(array)
            if held > stats.max_buffered_frames:
                stats.max_buffered_frames = held
            while held >= block_frames:
                joined = parts[0] if len(parts) == 1 else np.concatenate(parts)
                block, rest = joined[:block_frames], joined[block_frames:]
                parts = [rest] if len(rest) else []
                held = len(rest)
                stats.blocks += 1
                yield block
        if held:
            stats.blocks += 1
            yield parts[0] if len(parts) == 1 else np.concatenate(parts)

    def close(self) -> None:
        """Release the file."""
        container = getattr(self, "_container", None)
        if container is not None:
            container.close()
            self._container = None

    def __enter__(self) -> AudioDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__
