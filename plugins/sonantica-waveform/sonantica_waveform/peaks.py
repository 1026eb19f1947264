"""Streaming min/max peaks with a resolution that adapts to the length.

Peaks start at ``base_samples_per_pixel``; whenever more than twice
``max_points`` pixels are held, neighbouring pixels are merged and the samples
per pixel doubled. The result has at most ``max_points`` pixels, a power-of-two
multiple of the base resolution, and memory stays bounded whatever the length
of the file.
"""

from __future__ import annotations

import numpy as np


class PeakAccumulator:
    """Min/max of consecutive runs of samples, per channel."""

    def __init__(self, channels: int, base_samples_per_pixel: int = 256, max_points: int = 8000) -> None:
        if base_samples_per_pixel < 1 or max_points < 1:
            raise ValueError("base_samples_per_pixel and max_points must be positive")
        self.channels = channels
        self.samples_per_pixel = base_samples_per_pixel
        self.max_points = max_points
        self._mins: list[np.ndarray] = []  # each (channels, pixels)
        self._maxs: list[np.ndarray] = []
        self._count = 0  # complete pixels held
        self._partial_min = np.full(channels, np.inf, dtype=np.float32)
        self._partial_max = np.full(channels, -np.inf, dtype=np.float32)
        self._partial_n = 0  # samples in the incomplete pixel
        self.samples = 0

    def feed(self, rows: np.ndarray) -> None:
        """Take ``(channels, frames)`` samples."""
        n = rows.shape[1]
        if n == 0:
            return
        self.samples += n
        spp = self.samples_per_pixel
        start = 0
        if self._partial_n:
            take = min(spp - self._partial_n, n)
            piece = rows[:, :take]
            np.minimum(self._partial_min, piece.min(axis=1), out=self._partial_min)
            np.maximum(self._partial_max, piece.max(axis=1), out=self._partial_max)
            self._partial_n += take
            start = take
            if self._partial_n == spp:
                self._append(self._partial_min[:, None].copy(), self._partial_max[:, None].copy())
                self._reset_partial()
        full = (n - start) // spp
        if full:
            body = rows[:, start : start + full * spp].reshape(self.channels, full, spp)
            self._append(body.min(axis=2), body.max(axis=2))
            start += full * spp
        if start < n:
            rest = rows[:, start:]
            self._partial_min = rest.min(axis=1).astype(np.float32)
            self._partial_max = rest.max(axis=1).astype(np.float32)
            self._partial_n = n - start
        if self._count > 2 * self.max_points:
            self._halve()

    def _reset_partial(self) -> None:
        self._partial_min = np.full(self.channels, np.inf, dtype=np.float32)
        self._partial_max = np.full(self.channels, -np.inf, dtype=np.float32)
        self._partial_n = 0

    def _append(self, mins: np.ndarray, maxs: np.ndarray) -> None:
        self._mins.append(mins.astype(np.float32, copy=False))
        self._maxs.append(maxs.astype(np.float32, copy=False))
        self._count += mins.shape[1]

    def _joined(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._mins:
            empty = np.zeros((self.channels, 0), dtype=np.float32)
            return empty, empty
        if len(self._mins) > 1:
            self._mins = [np.concatenate(self._mins, axis=1)]
            self._maxs = [np.concatenate(self._maxs, axis=1)]
        return self._mins[0], self._maxs[0]

    def _halve(self) -> None:
        """Merge pixel pairs; an odd last pixel joins the incomplete one."""
        mins, maxs = self._joined()
        pairs = mins.shape[1] // 2
        if mins.shape[1] % 2:
            np.minimum(self._partial_min, mins[:, -1], out=self._partial_min)
            np.maximum(self._partial_max, maxs[:, -1], out=self._partial_max)
            self._partial_n += self.samples_per_pixel
        merged_min = mins[:, : 2 * pairs].reshape(self.channels, pairs, 2).min(axis=2)
        merged_max = maxs[:, : 2 * pairs].reshape(self.channels, pairs, 2).max(axis=2)
        self._mins, self._maxs, self._count = [merged_min], [merged_max], pairs
        self.samples_per_pixel *= 2

    def result(self) -> tuple[np.ndarray, np.ndarray, int]:
        """``(mins, maxs, samples_per_pixel)``, each ``(channels, pixels)``, at most max_points.

        The last, incomplete pixel is included.
        """
        if self._partial_n:
            self._append(self._partial_min[:, None].copy(), self._partial_max[:, None].copy())
            self._reset_partial()
        while self._count > self.max_points:
            self._halve()
            if self._partial_n:
                self._append(self._partial_min[:, None].copy(), self._partial_max[:, None].copy())
                self._reset_partial()
        mins, maxs = self._joined()
        return mins, maxs, self.samples_per_pixel
