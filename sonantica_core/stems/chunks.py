"""Feeding a separator: bounded, overlapping chunks in; cross-faded, seamless stems out.

:class:`Chunker` cuts a stream of ``(frames, channels)`` blocks into chunks of
``size`` frames, each beginning ``overlap`` frames before the previous one ended.
:class:`OverlapAdd` joins the separator's outputs back: over each overlap the
earlier chunk fades out linearly while the later one fades in (the weights sum to
one, so a separator that returns its input unchanged gives the input back exactly).
Memory held: one chunk of input, one overlap per stem of output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import numpy as np


class Chunker:
    """Overlapping chunks of a block stream."""

    def __init__(self, size: int, overlap: int) -> None:
        if size <= 0 or not 0 <= overlap < size:
            raise ValueError(f"a chunk of {size} frames cannot overlap by {overlap}")
        self.size = size
        self.overlap = overlap

    def chunks(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """Chunks of exactly ``size`` frames but the last; each after the first repeats the
        previous one's last ``overlap`` frames first."""
        parts: list[np.ndarray] = []
        held = 0
        emitted = False
        for block in blocks:
            if not len(block):
                continue
            parts.append(block)
            held += len(block)
            while held >= self.size:
                joined = parts[0] if len(parts) == 1 else np.concatenate(parts)
                yield joined[: self.size]
                emitted = True
                rest = joined[self.size - self.overlap :]
                parts, held = [rest], len(rest)
        if held > (self.overlap if emitted else 0):
            yield parts[0] if len(parts) == 1 else np.concatenate(parts)


class OverlapAdd:
    """Joins per-chunk outputs ``{stem: (frames, channels)}`` into continuous stems."""

    def __init__(self, overlap: int) -> None:
        self.overlap = overlap
        self._tail: dict[str, np.ndarray] | None = None

    def push(self, outputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Take one chunk's outputs; return the frames that are final now, per stem."""
        blended = {name: np.array(array, dtype=np.float32, copy=True) for name, array in outputs.items()}
        if self._tail is not None and self.overlap:
            fade = np.linspace(0.0, 1.0, self.overlap + 2, dtype=np.float32)[1:-1, None]
            for name, array in blended.items():
                tail = self._tail[name]
                array[: self.overlap] = tail * (1.0 - fade) + array[: self.overlap] * fade
        keep = min(self.overlap, min(len(a) for a in blended.values()))
        cut = {name: len(array) - keep for name, array in blended.items()}
        self._tail = {name: array[cut[name] :] for name, array in blended.items()}
        return {name: array[: cut[name]] for name, array in blended.items()}

    def finish(self) -> dict[str, np.ndarray]:
        """The last frames, held back for a chunk that did not come."""
        tail, self._tail = self._tail or {}, None
        return tail
