"""Conversion of decoded PyAV frames to ``float32`` arrays of shape (frames, channels)."""

from __future__ import annotations

import av
import numpy as np

#: Scale that maps each integer sample type to [-1, 1).
_INT_SCALE: dict[np.dtype, float] = {
    np.dtype(np.int16): 1.0 / 32768.0,
    np.dtype(np.int32): 1.0 / 2147483648.0,
    np.dtype(np.int64): 1.0 / 9223372036854775808.0,
}


def frame_to_array(frame: av.AudioFrame) -> np.ndarray:
    """Return the samples of ``frame`` as C-contiguous float32 ``(frames, channels)``.

    Handles every sample format FFmpeg decoders emit (u8, s16, s32, s64, flt, dbl;
    packed or planar). Integer samples are scaled to [-1, 1).
    """
    raw = frame.to_ndarray()
    channels = len(frame.layout.channels)
    n = frame.samples
    # Planar: (channels, frames), transposed as a view; packed: interleaved frames.
    source = raw.T if frame.format.is_planar else raw.reshape(n, channels)
    out = np.empty((n, channels), dtype=np.float32)
    dtype = raw.dtype
    if dtype == np.float32 or dtype == np.float64:
        out[...] = source
    elif dtype == np.uint8:
        out[...] = source
        out -= 128.0
        out *= 1.0 / 128.0
    elif dtype in _INT_SCALE:
        out[...] = source
        out *= _INT_SCALE[dtype]
    else:  # pragma: no cover - FFmpeg has no other sample types
        raise TypeError(f"unsupported sample type {dtype}")
    return out
