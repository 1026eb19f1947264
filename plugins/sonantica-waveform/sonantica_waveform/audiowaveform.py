"""The audiowaveform JSON format (bbc/audiowaveform ``doc/DataFormat.md``), version 2.

peaks.js reads it directly (through waveform-data.js); wavesurfer.js takes the
same numbers as ``peaks`` once divided by 128 (8 bits) or 32768 (16 bits).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def quantise(values: np.ndarray, bits: int) -> np.ndarray:
    """Float samples in [-1, 1] to signed integers of ``bits`` bits (floor, clipped)."""
    if bits not in (8, 16):
        raise ValueError("bits must be 8 or 16")
    scale = 1 << (bits - 1)
    return np.clip(np.floor(values * scale), -scale, scale - 1).astype(np.int32)


def waveform_document(
    mins: np.ndarray, maxs: np.ndarray, sample_rate: int, samples_per_pixel: int, bits: int = 8
) -> dict[str, Any]:
    """The JSON document for per-channel ``(channels, pixels)`` minima and maxima."""
    channels, length = mins.shape
    data = np.empty((length, channels, 2), dtype=np.int32)
    data[:, :, 0] = quantise(mins, bits).T
    data[:, :, 1] = quantise(maxs, bits).T
    return {
        "version": 2,
        "channels": channels,
        "sample_rate": int(sample_rate),
        "samples_per_pixel": int(samples_per_pixel),
        "bits": bits,
        "length": int(length),
        "data": data.reshape(-1).tolist(),
    }


def encode(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(document, separators=(",", ":")).encode()
