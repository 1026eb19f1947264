"""Streaming helpers shared by analyzer plugins."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Framer:
    """Cuts a stream of 1-D sample blocks into overlapping frames.

    ``push`` returns the frames completed by the new samples as a read-only
    ``(count, frame_size)`` view (valid until the next call); the samples not yet
    in a full frame are kept, so the frames are the same whatever the block sizes.
    """

    def __init__(self, frame_size: int, hop: int, dtype: type = np.float32) -> None:
        if frame_size <= 0 or hop <= 0:
            raise ValueError("frame_size and hop must be positive")
        self.frame_size = frame_size
        self.hop = hop
        self._dtype = dtype
        self._buffer = np.zeros(0, dtype=dtype)
        #: Number of frames returned so far.
        self.count = 0

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Add samples; return the frames they complete."""
        samples = np.asarray(samples, dtype=self._dtype).reshape(-1)
        buffer = np.concatenate((self._buffer, samples)) if len(self._buffer) else samples
        if len(buffer) < self.frame_size:
            self._buffer = buffer.copy()
            return np.zeros((0, self.frame_size), dtype=self._dtype)
        count = 1 + (len(buffer) - self.frame_size) // self.hop
        frames = sliding_window_view(buffer, self.frame_size)[:: self.hop][:count]
        self._buffer = buffer[count * self.hop :].copy()
        self.count += count
        return frames

    @property
    def pending(self) -> int:
        """Samples held that are not yet part of a returned frame's start."""
        return len(self._buffer)
