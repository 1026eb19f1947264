"""Test signals of EBU Tech 3341 / 3342, generated."""

from __future__ import annotations

import numpy as np


def sine(
    rate: int, dbfs: float, seconds: float, freq: float = 1000.0, phase: float = 0.0, fade: float = 0.0
) -> np.ndarray:
    """A sine with peak ``dbfs``; ``fade`` seconds of raised-cosine fade at both ends."""
    t = np.arange(round(rate * seconds)) / rate
    x = 10.0 ** (dbfs / 20.0) * np.sin(2 * np.pi * freq * t + phase)
    if fade:
        n = int(rate * fade)
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x.astype(np.float32)


def stereo(x: np.ndarray) -> np.ndarray:
    return np.stack([x, x], axis=1)


def sequence(rate: int, parts: list[tuple[float, float]], freq: float = 1000.0) -> np.ndarray:
    """Stereo 1 kHz sine in segments of (dBFS, seconds), as the EBU test signals."""
    return stereo(np.concatenate([sine(rate, level, seconds, freq) for level, seconds in parts]))
