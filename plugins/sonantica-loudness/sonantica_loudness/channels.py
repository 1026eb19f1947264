"""Channel weights of ITU-R BS.1770-4 (as FFmpeg's ``ebur128`` applies them)."""

from __future__ import annotations

import numpy as np

from sonantica_core.analysis.layouts import channel_names

#: Surround channels, weighted +1.5 dB (1.41); the names are FFmpeg's.
SURROUND = frozenset({"BL", "BR", "BC", "SL", "SR", "TBL", "TBR", "TBC", "SDL", "SDR"})
#: Low-frequency effects channels, left out of the measurement.
LFE = frozenset({"LFE", "LFE2"})


def channel_weights(layout: str, channels: int, *, dual_mono: bool = False) -> np.ndarray:
    """The weight ``G_i`` of each channel, in sample order.

    L, R, C and anything unnamed weigh 1.0, the surround channels 1.41, LFE 0.
    ``dual_mono`` counts a mono channel twice (+3 dB), as if played on two speakers.
    """
    if channels == 1:
        return np.array([2.0 if dual_mono else 1.0])
    weights = []
    for name in channel_names(layout, channels):
        if name in LFE:
            weights.append(0.0)
        elif name in SURROUND:
            weights.append(1.41)
        else:
            weights.append(1.0)
    return np.array(weights, dtype=np.float64)
