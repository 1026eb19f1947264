"""Derived forms of the decoded audio: mono and resampled, computed once per block.

Analyzers declare an :class:`~sonantica_core.contract.AudioNeed`; the pipeline
asks a :class:`FormDeriver` for each distinct need and every analyzer with that
need receives the same array. Resampling is streaming (libswresample through
PyAV, its filter state carried from block to block), so a block boundary leaves
no seam, and the resampler's tail is handed out by :meth:`FormDeriver.flush`.
"""

from __future__ import annotations

import av
import numpy as np

from ..contract import AudioNeed
from .layouts import default_layout


def downmix(block: np.ndarray) -> np.ndarray:
    """Average the channels of a ``(frames, channels)`` block to ``(frames, 1)``."""
    if block.shape[1] == 1:
        return block
    return block.mean(axis=1, dtype=np.float32, keepdims=True)


class StreamResampler:
    """Continuous sample-rate conversion of float32 ``(frames, channels)`` blocks."""

    def __init__(self, in_rate: int, out_rate: int, layout: str) -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.layout = layout
        self._channels = len(av.AudioLayout(layout).channels)
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=out_rate)

    def _collect(self, frames: list[av.AudioFrame]) -> np.ndarray:
        if not frames:
            return np.zeros((0, self._channels), dtype=np.float32)
        planes = [f.to_ndarray() for f in frames]
        joined = planes[0] if len(planes) == 1 else np.concatenate(planes, axis=1)
        return np.ascontiguousarray(joined.T, dtype=np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Resample the next block; the output may be a few frames shorter or longer."""
        if len(block) == 0:
            return np.zeros((0, self._channels), dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(block.T, dtype=np.float32), format="fltp", layout=self.layout
        )
        frame.sample_rate = self.in_rate
        return self._collect(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        """Return the samples still inside the filter at the end of the stream."""
        return self._collect(self._resampler.resample(None))


def layout_for(channels: int, native_layout: str, native_channels: int) -> str:
    """An FFmpeg layout name for ``channels`` channels of this stream."""
    if channels == 1:
        return "mono"
    if channels == native_channels and native_layout:
        try:
            av.AudioLayout(native_layout)
            return native_layout
        except (ValueError, av.error.FFmpegError):
            pass
    return default_layout(channels)


class FormDeriver:
    """Derives every requested form of each native block, each form once."""

    def __init__(self, native_rate: int, native_channels: int, native_layout: str) -> None:
        self.native_rate = native_rate
        self.native_channels = native_channels
        self.native_layout = native_layout
        self._resamplers: dict[AudioNeed, StreamResampler] = {}
        self._block_cache: dict[AudioNeed, np.ndarray] = {}

    def normalise(self, need: AudioNeed) -> AudioNeed:
        """The canonical form of ``need`` for this stream (native rate spelled out)."""
        rate = need.sample_rate or self.native_rate
        mono = need.mono or self.native_channels == 1
        return AudioNeed(sample_rate=rate, mono=mono)

    def output_channels(self, need: AudioNeed) -> int:
        return 1 if self.normalise(need).mono else self.native_channels

    def output_rate(self, need: AudioNeed) -> int:
        return self.normalise(need).sample_rate or self.native_rate

    def derive(self, block: np.ndarray, need: AudioNeed) -> np.ndarray:
        """The block in the form ``need`` (call :meth:`next_block` between blocks)."""
        need = self.normalise(need)
        cached = self._block_cache.get(need)
        if cached is not None:
            return cached
        if need.sample_rate == self.native_rate:
            result = downmix(block) if need.mono else block
        else:
            source = self.derive(block, AudioNeed(sample_rate=self.native_rate, mono=need.mono))
            result = self._resampler(need).process(source)
        self._block_cache[need] = result
        return result

    def next_block(self) -> None:
        """Forget the forms of the previous block."""
        self._block_cache.clear()

    def flush(self, need: AudioNeed) -> np.ndarray | None:
        """The resampler's tail for ``need`` at the end of the stream, if it has one."""
        need = self.normalise(need)
        resampler = self._resamplers.get(need)
        if resampler is None:
            return None
        tail = resampler.flush()
        return tail if len(tail) else None

    def _resampler(self, need: AudioNeed) -> StreamResampler:
        resampler = self._resamplers.get(need)
        if resampler is None:
            channels = 1 if need.mono else self.native_channels
            layout = layout_for(channels, self.native_layout, self.native_channels)
            assert need.sample_rate is not None
            resampler = StreamResampler(self.native_rate, need.sample_rate, layout)
            self._resamplers[need] = resampler
        return resampler
